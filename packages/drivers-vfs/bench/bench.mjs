// Benchmark (not run in CI): vfs applyDiff of upper.tar onto base.tar, ours (in-process, from dist/)
// beside Debian's Go containers-storage import-layer of the same tar onto the same base.
// Usage: pnpm run build && TMPDIR=/dev/shm node bench/bench.mjs [runs]
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { VfsDriver } from '../dist/index.js';

const DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
const RUNS = Number(process.argv[2] ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function withTemp(fn) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-bench-vfs-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

const go = (dir, ...args) =>
  execFileSync(process.env.CS_GO_CLI ?? '/usr/bin/containers-storage', ['--graph', `${dir}/g`, '--run', `${dir}/r`, '--storage-driver', 'vfs', ...args], { encoding: 'utf8' }).trim();
const time = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

const ours = [];
const theirs = [];
for (let i = 0; i < RUNS; i++) {
  await withTemp(async (dir) => {
    const d = await VfsDriver.open({ home: `${dir}/g/vfs`, runHome: `${dir}/r/vfs`, options: [], uidMaps: [], gidMaps: [] });
    await d.create('base', null);
    await d.applyDiff('base', null, createReadStream(`${DATA}/base.tar`));
    // vfs copies the parent on create: time only the apply, as Go's figure below includes its copy
    const created = await time(() => d.create('top', 'base'));
    const applied = await time(() => d.applyDiff('top', 'base', createReadStream(`${DATA}/upper.tar`), { recordTarSplit: true }));
    ours.push({ created, applied, both: created + applied });
    await d.cleanup();
  });
  await withTemp(async (dir) => {
    const base = go(dir, 'import-layer', '-f', `${DATA}/base.tar`);
    theirs.push(await time(async () => go(dir, 'import-layer', '-f', `${DATA}/upper.tar`, base)));
    go(dir, 'shutdown');
  });
}
const m = (k) => median(ours.map((o) => o[k]));
const g = median(theirs);
console.log(`median of ${RUNS} runs; go = wall time of one import-layer CLI process (its copy of the parent, apply, startup and layers.json work)`);
console.log(`applyDiff upper.tar             ours ${m('applied').toFixed(0).padStart(6)} ms   go ${g.toFixed(0).padStart(6)} ms   ratio ${(m('applied') / g).toFixed(2)}`);
console.log(`create (copy of base) + apply   ours ${m('both').toFixed(0).padStart(6)} ms   go ${g.toFixed(0).padStart(6)} ms   ratio ${(m('both') / g).toFixed(2)}`);
