// Benchmark (not run in CI): overlay mount + unmount of the top of a 50-layer chain and applyDiff
// of upper.tar onto base.tar, ours (in-process, from dist/) beside Debian's Go containers-storage.
// Usage: pnpm run build && node bench/bench.mjs [runs]
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { mountsUnder } from '@cs/drivers';
import { MNT, umount2 } from '@cs/sys';
import { OverlayDriver } from '../dist/index.js';

const DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
const RUNS = Number(process.argv[2] ?? 5);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function withTemp(fn) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-bench-'));
  try {
    return await fn(dir);
  } finally {
    for (const m of await mountsUnder(dir)) await umount2(m, MNT.DETACH).catch(() => {});
    await rm(dir, { recursive: true, force: true });
  }
}

const go = (dir, ...args) =>
  execFileSync(process.env.CS_GO_CLI ?? '/usr/bin/containers-storage', ['--graph', `${dir}/g`, '--run', `${dir}/r`, '--storage-driver', 'overlay', ...args], { encoding: 'utf8' }).trim();
const open = (dir) => OverlayDriver.open({ home: `${dir}/g/overlay`, runHome: `${dir}/r/overlay`, options: [], uidMaps: [], gidMaps: [] });
const time = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};

async function benchApply() {
  const ours = [];
  const theirs = [];
  for (let i = 0; i < RUNS; i++) {
    await withTemp(async (dir) => {
      const d = await open(dir);
      await d.create('base', null);
      await d.applyDiff('base', null, createReadStream(`${DATA}/base.tar`));
      await d.create('top', 'base');
      ours.push(await time(() => d.applyDiff('top', 'base', createReadStream(`${DATA}/upper.tar`), { recordTarSplit: true })));
      await d.cleanup();
    });
    await withTemp(async (dir) => {
      const base = go(dir, 'import-layer', '-f', `${DATA}/base.tar`);
      theirs.push(await time(async () => go(dir, 'import-layer', '-f', `${DATA}/upper.tar`, base)));
      go(dir, 'shutdown');
    });
  }
  return { ours: median(ours), theirs: median(theirs) };
}

async function benchMount() {
  return withTemp(async (dir) => {
    // one chain made by Go, mounted by both (same layers, same layout)
    let parent = [];
    for (let i = 0; i < 50; i++) parent = [go(dir, 'create-layer', ...parent)];
    const top = parent[0];
    const theirs = [];
    for (let i = 0; i < RUNS; i++) theirs.push(await time(async () => (go(dir, 'mount', top), go(dir, 'unmount', top))));
    go(dir, 'shutdown');
    const d = await open(dir);
    const ours = [];
    for (let i = 0; i < RUNS; i++) ours.push(await time(async () => (await d.get(top), await d.put(top))));
    await d.cleanup();
    // like the Go CLI: one fresh process to mount and one to unmount (Node startup + driver open included)
    const script = (verb) =>
      `import { OverlayDriver } from ${JSON.stringify(new URL('../dist/index.js', import.meta.url).href)};` +
      `const d = await OverlayDriver.open({ home: ${JSON.stringify(`${dir}/g/overlay`)}, runHome: ${JSON.stringify(`${dir}/r/overlay`)}, options: [], uidMaps: [], gidMaps: [] });` +
      `await d.${verb}(${JSON.stringify(top)});`;
    const processes = [];
    for (let i = 0; i < RUNS; i++) {
      processes.push(
        await time(async () => {
          execFileSync(process.execPath, ['--input-type=module', '-e', script('get')]);
          execFileSync(process.execPath, ['--input-type=module', '-e', script('put')]);
        }),
      );
    }
    const last = await open(dir);
    await last.cleanup();
    return { ours: median(ours), theirs: median(theirs), processes: median(processes) };
  });
}

const apply = await benchApply();
const mount = await benchMount();
const row = (name, r) => console.log(`${name.padEnd(34)} ours ${r.ours.toFixed(0).padStart(6)} ms   go ${r.theirs.toFixed(0).padStart(6)} ms   ratio ${(r.ours / r.theirs).toFixed(2)}`);
console.log(`median of ${RUNS} runs; go = wall time of the CLI process (includes its startup and layers.json work)`);
row('applyDiff upper.tar (on base.tar)', apply);
row('mount+unmount top of 50 layers', mount);
row('  same, one process per mount/unmount', { ours: mount.processes, theirs: mount.theirs });
