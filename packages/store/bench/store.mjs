// Benchmark (reports, never fails): Store.putLayer of base.tar, small.tar and base.tar.gz, and 200
// createLayer / createImage / createContainer in one process, beside Debian's Go containers-storage
// (import-layer, and 200 CLI calls of create-layer / create-image / create-container).
// Stores live on /dev/shm (tmpfs) for both. Usage: pnpm run build && node bench/store.mjs [runs] [driver]
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { Store } from '../dist/index.js';

const DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
const GO = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';
const RUNS = Number(process.argv[2] ?? 3);
const DRIVER = process.argv[3] ?? 'overlay';
const SCRATCH = existsSync('/dev/shm') ? '/dev/shm' : '/tmp';
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

if (!existsSync(path.join(DATA, 'base.tar'))) {
  console.log(`bench data not found in ${DATA} (set CS_BENCH_DATA); nothing measured`);
  process.exit(0);
}
const haveGo = existsSync(GO);
if (!haveGo) console.log(`${GO} not found: Go figures skipped`);

async function unmountUnder(dir) {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text.split('\n').map((l) => l.split(' ')[4]).filter((p) => p && (p === dir || p.startsWith(dir + '/')));
  for (const p of points.sort((a, b) => b.length - a.length)) {
    try {
      execFileSync('umount', ['-l', p]);
    } catch {
      // already gone
    }
  }
}

async function withStoreDir(fn) {
  const dir = await mkdtemp(path.join(SCRATCH, 'cs-store-bench-'));
  try {
    return await fn(dir);
  } finally {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  }
}

const go = (dir, ...args) =>
  execFileSync(GO, ['--graph', `${dir}/g`, '--run', `${dir}/r`, '--storage-driver', DRIVER, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }).trim();
const openStore = (dir) => Store.open({ graphRoot: `${dir}/g`, runRoot: `${dir}/r`, driver: DRIVER });

async function timeOurPut(file) {
  return withStoreDir(async (dir) => {
    const store = await openStore(dir);
    try {
      const t = performance.now();
      // 1 MiB reads, as the CLI's --file: with fs's 64 KiB default a 50 MB gzip layer costs ~0.2 s more
      await store.putLayer({}, createReadStream(file, { highWaterMark: 1 << 20 }));
      return (performance.now() - t) / 1000;
    } finally {
      await store.close();
    }
  });
}

async function timeGoImport(file) {
  return withStoreDir(async (dir) => {
    go(dir, 'layers'); // initialize the store outside the timing
    const t = performance.now();
    go(dir, 'import-layer', '-f', file);
    return (performance.now() - t) / 1000;
  });
}

async function timeOurCreates(n) {
  return withStoreDir(async (dir) => {
    const store = await openStore(dir);
    try {
      const base = await store.createLayer();
      const img = await store.createImage({ topLayer: base.id });
      const out = {};
      let t = performance.now();
      for (let i = 0; i < n; i++) await store.createLayer({ parent: base.id });
      out.layers = (performance.now() - t) / 1000;
      t = performance.now();
      for (let i = 0; i < n; i++) await store.createImage({ topLayer: base.id });
      out.images = (performance.now() - t) / 1000;
      t = performance.now();
      for (let i = 0; i < n; i++) await store.createContainer({ image: img.id });
      out.containers = (performance.now() - t) / 1000;
      return out;
    } finally {
      await store.close();
    }
  });
}

async function timeGoCreates(n) {
  return withStoreDir(async (dir) => {
    const base = go(dir, 'create-layer').split(/\s/)[0];
    const img = go(dir, 'create-image', base).split(/\s/)[0];
    const out = {};
    let t = performance.now();
    for (let i = 0; i < n; i++) go(dir, 'create-layer', base);
    out.layers = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < n; i++) go(dir, 'create-image', base);
    out.images = (performance.now() - t) / 1000;
    t = performance.now();
    for (let i = 0; i < n; i++) go(dir, 'create-container', img);
    out.containers = (performance.now() - t) / 1000;
    return out;
  });
}

const fmt = (s) => (s === undefined ? '—' : `${s.toFixed(3)} s`);
const ratio = (a, b) => (a === undefined || b === undefined ? '—' : `${(a / b).toFixed(2)}x`);
console.log(`driver ${DRIVER}, stores on ${SCRATCH}, median of ${RUNS} runs`);
console.log(['operation', 'ours', 'Go CLI', 'ours/Go'].join('\t'));
for (const name of ['base.tar', 'small.tar', 'base.tar.gz']) {
  const file = path.join(DATA, name);
  if (!existsSync(file)) continue;
  const ours = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    ours.push(await timeOurPut(file));
    if (haveGo) theirs.push(await timeGoImport(file));
  }
  const o = median(ours);
  const g = haveGo ? median(theirs) : undefined;
  console.log([`putLayer ${name}`, fmt(o), fmt(g), ratio(o, g)].join('\t'));
}
const N = 200;
const ourCreates = await timeOurCreates(N);
const goCreates = haveGo ? await timeGoCreates(N) : {};
for (const k of ['layers', 'images', 'containers']) {
  console.log([`${N} create ${k} (total; Go = ${N} CLI calls)`, fmt(ourCreates[k]), fmt(goCreates[k]), ratio(ourCreates[k], goCreates[k])].join('\t'));
}
