#!/usr/bin/env node
// Benchmark of the input side (not a test): applyTar with digests and tar-split recording vs
// GNU tar -x, and tar-split replay vs tar -c, on tmpfs, in the same run. Needs `pnpm run build`.
// Usage: node bench/apply.mjs [runs=3]   (env CS_BENCH_DATA, default /var/tmp/bench-data)
// Prints wall time and CPU time (user+sys; ours: the whole process incl. worker threads; GNU tar: the
// reaped child processes): on a loaded machine the CPU figures are the steadier comparison.
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
const dist = process.env.CS_BENCH_DIST ?? '../dist/index.js';
const { applyTar, assembleFromTarSplit } = await import(dist);

const DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
const RUNS = Number(process.argv[2] ?? 3);
const TMP = existsSync('/dev/shm') ? '/dev/shm' : undefined;
if (!existsSync(join(DATA, 'base.tar'))) {
  console.log(`bench data not found in ${DATA}: nothing to measure`);
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const TICK_MS = 1000 / 100; // USER_HZ
/** CPU ms used by this process (all threads) and by its reaped children (fields 14-17 of /proc/self/stat). */
function cpuNow() {
  const own = process.cpuUsage();
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const children = (Number(fields[13]) + Number(fields[14])) * TICK_MS;
  return (own.user + own.system) / 1000 + children;
}
/** { wall, cpu } in ms */
async function timed(fn) {
  const c0 = cpuNow();
  const t0 = performance.now();
  await fn();
  return { wall: performance.now() - t0, cpu: cpuNow() - c0 };
}
const medians = (xs) => ({ wall: median(xs.map((x) => x.wall)), cpu: median(xs.map((x) => x.cpu)) });
async function fresh() {
  return mkdtemp(join(TMP ?? '/tmp', 'cs-bench-'));
}

const rows = [];
for (const name of ['base.tar', 'small.tar']) {
  const tarFile = join(DATA, name);
  const gnuX = [];
  const ours = [];
  const gnuC = [];
  const replay = [];
  const noSplit = [];
  for (let i = 0; i < RUNS; i++) {
    const a = await fresh();
    gnuX.push(await timed(async () => execFileSync('tar', ['-xf', tarFile, '-C', a])));
    gnuC.push(await timed(async () => execFileSync('sh', ['-c', 'tar -cf - -C "$1" . | cat > /dev/null', 'sh', a])));
    await rm(a, { recursive: true, force: true });

    const b = await fresh();
    let result;
    ours.push(await timed(async () => {
      result = await applyTar(b, createReadStream(tarFile, { highWaterMark: 1 << 20 }), { whiteouts: 'delete', recordTarSplit: true });
    }));
    replay.push(await timed(async () => {
      let n = 0;
      for await (const c of assembleFromTarSplit(result.tarSplit, [b])) n += c.length;
      if (n !== result.uncompressedSize) throw new Error('replay size mismatch');
    }));
    await rm(b, { recursive: true, force: true });

    const c = await fresh();
    noSplit.push(await timed(() => applyTar(c, createReadStream(tarFile, { highWaterMark: 1 << 20 }), { whiteouts: 'delete' })));
    await rm(c, { recursive: true, force: true });
  }
  rows.push({ name, op: 'apply (digests + tar-split)', gnu: medians(gnuX), ours: medians(ours), vs: 'tar -x' });
  rows.push({ name, op: 'apply (digests only)', gnu: medians(gnuX), ours: medians(noSplit), vs: 'tar -x' });
  rows.push({ name, op: 'replay from tar-split', gnu: medians(gnuC), ours: medians(replay), vs: 'tar -c' });
}
console.log(`tmpfs: ${TMP ?? 'no (/tmp)'}; runs: ${RUNS}; median ms, wall / cpu`);
const cell = (t) => `${t.wall.toFixed(0).padStart(6)} / ${t.cpu.toFixed(0).padStart(5)}`;
for (const r of rows) {
  console.log(`${r.name.padEnd(10)} ${r.op.padEnd(28)} ours ${cell(r.ours)}  ${r.vs} ${cell(r.gnu)}  ratio wall ${(r.ours.wall / r.gnu.wall).toFixed(2)}x cpu ${(r.ours.cpu / r.gnu.cpu).toFixed(2)}x`);
}
