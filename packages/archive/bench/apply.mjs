#!/usr/bin/env node
// Benchmark of the input side (not a test): applyTar with digests and tar-split recording vs
// GNU tar -x, and tar-split replay vs tar -c, on tmpfs, in the same run. Needs `pnpm run build`.
// Usage: node bench/apply.mjs [runs=3]   (env CS_BENCH_DATA, default /var/tmp/bench-data)
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { applyTar, assembleFromTarSplit } from '../dist/index.js';

const DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
const RUNS = Number(process.argv[2] ?? 3);
const TMP = existsSync('/dev/shm') ? '/dev/shm' : undefined;
if (!existsSync(join(DATA, 'base.tar'))) {
  console.log(`bench data not found in ${DATA}: nothing to measure`);
  process.exit(0);
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
async function timed(fn) {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}
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
  rows.push({ name, op: 'apply (digests + tar-split)', gnu: median(gnuX), ours: median(ours), vs: 'tar -x' });
  rows.push({ name, op: 'apply (digests only)', gnu: median(gnuX), ours: median(noSplit), vs: 'tar -x' });
  rows.push({ name, op: 'replay from tar-split', gnu: median(gnuC), ours: median(replay), vs: 'tar -c' });
}
console.log(`tmpfs: ${TMP ?? 'no (/tmp)'}; runs: ${RUNS}; median ms`);
for (const r of rows) {
  console.log(`${r.name.padEnd(10)} ${r.op.padEnd(28)} ours ${r.ours.toFixed(0).padStart(6)}  ${r.vs} ${r.gnu.toFixed(0).padStart(6)}  ratio ${(r.ours / r.gnu).toFixed(2)}x`);
}
