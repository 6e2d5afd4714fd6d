import { execFile, spawn } from 'node:child_process';
import { readFile, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../src/index.js';
import { BENCH, IS_ROOT, overlayUsable, tempDir, unmountUnder } from './helpers.js';

const GO = '/usr/bin/containers-storage';
const WORKER = fileURLToPath(new URL('./fixtures/worker.mjs', import.meta.url));
const haveGo = await stat(GO).then(() => true, () => false);
const haveDist = await stat(fileURLToPath(new URL('../dist/index.js', import.meta.url))).then(() => true, () => false);

function exitOf(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { maxBuffer: 1 << 26 }, (err, _out, stderr) => (err ? reject(new Error(`${cmd} ${args.join(' ')}: ${stderr}`)) : resolve()));
  });
}

function goOut(graphRoot: string, runRoot: string, driver: string, ...args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(GO, ['--graph', graphRoot, '--run', runRoot, '--storage-driver', driver, ...args], { maxBuffer: 1 << 26 }, (err, out, stderr) =>
      err ? reject(new Error(`${args.join(' ')}: ${stderr}`)) : resolve(out),
    );
  });
}

const usable = IS_ROOT && haveGo && haveDist;
if (!usable) console.warn(`skipping @cs/store concurrency/crash tests: needs root, ${GO} and a built dist/ (pnpm run build)`);

const overlayOK = await overlayUsable();
for (const driver of ['vfs', 'overlay']) describe.skipIf(!usable || (driver === 'overlay' && !overlayOK))(`concurrency with the Go CLI (${driver})`, () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('cs-store-conc-');
  });
  afterEach(async () => {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('4 processes of ours and 4 Go CLI loops create 25 layers each at once; all 200 are seen and the JSON is valid', async () => {
    const g = path.join(dir, 'root');
    const r = path.join(dir, 'run');
    // Create the store first so every process starts from the same layout.
    await (await Store.open({ graphRoot: g, runRoot: r, driver })).close();
    const ours = [0, 1, 2, 3].map((i) => exitOf(process.execPath, [WORKER, g, r, driver, 'create', '25', `ts${i}`]));
    const goLoops = [0, 1, 2, 3].map((i) =>
      exitOf('sh', ['-c', `for n in $(seq 0 24); do ${GO} --graph "$1" --run "$2" --storage-driver "$3" create-layer -n go${i}-$n >/dev/null || exit 1; done`, 'sh', g, r, driver]),
    );
    await Promise.all([...ours, ...goLoops]);
    const text = await readFile(path.join(g, `${driver}-layers`, 'layers.json'), 'utf8');
    const records = JSON.parse(text) as Array<{ id: string; names: string[]; flags?: Record<string, unknown> }>;
    expect(records).toHaveLength(200);
    expect(records.some((l) => l.flags?.['incomplete'])).toBe(false);
    const names = new Set(records.flatMap((l) => l.names));
    for (let i = 0; i < 4; i++) for (let n = 0; n < 25; n++) {
      expect(names.has(`ts${i}-${n}`)).toBe(true);
      expect(names.has(`go${i}-${n}`)).toBe(true);
    }
    const goView = JSON.parse(await goOut(g, r, driver, 'layers', '--json')) as unknown[];
    expect(goView).toHaveLength(200);
    const store = await Store.open({ graphRoot: g, runRoot: r, driver });
    try {
      expect(await store.layers()).toHaveLength(200);
    } finally {
      await store.close();
    }
    const layerDirs = await readdir(driver === 'vfs' ? path.join(g, 'vfs', 'dir') : path.join(g, 'overlay'));
    expect(layerDirs.filter((d) => /^[0-9a-f]{64}$/.test(d))).toHaveLength(200);
  });
});

const baseTar = path.join(BENCH, 'base.tar');
const haveBase = await stat(baseTar).then(() => true, () => false);
if (usable && !haveBase) console.warn(`skipping @cs/store crash test: ${baseTar} not found (set CS_BENCH_DATA)`);

describe.skipIf(!usable || !haveBase || !overlayOK)('crash in the middle of putLayer(base.tar)', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('cs-store-crash-');
  });
  afterEach(async () => {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts putLayer in a child and SIGKILLs it once the layer's directory is being filled. */
  async function crashDuringPut(g: string, r: string, driver: string): Promise<void> {
    const child = spawn(process.execPath, [WORKER, g, r, driver, 'put', baseTar], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(signal === 'SIGKILL' ? null : code)));
    const layersDir = driver === 'vfs' ? path.join(g, 'vfs', 'dir') : path.join(g, 'overlay');
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (Date.now() > deadline) throw new Error('the child never started extracting');
      const layersJSON = await readFile(path.join(g, `${driver}-layers`, 'layers.json'), 'utf8').catch(() => '');
      const dirs = await readdir(layersDir).catch(() => [] as string[]);
      const layerDirs = dirs.filter((d) => /^[0-9a-f]{64}$/.test(d));
      if (layersJSON.includes('"incomplete":true') && layerDirs.length > 0) {
        const inner = driver === 'vfs' ? path.join(layersDir, layerDirs[0]!) : path.join(layersDir, layerDirs[0]!, 'diff');
        if ((await readdir(inner).catch(() => [])).length > 3) break;
      }
      await new Promise((res) => setTimeout(res, 20));
    }
    child.kill('SIGKILL');
    expect(await exited).toBeNull(); // killed, not finished
  }

  async function leftoverLayerDirs(g: string, driver: string): Promise<string[]> {
    const layersDir = driver === 'vfs' ? path.join(g, 'vfs', 'dir') : path.join(g, 'overlay');
    return (await readdir(layersDir).catch(() => [] as string[])).filter((d) => /^[0-9a-f]{64}$/.test(d));
  }

  it('our next open cleans up, then the Go CLI sees a clean store (vfs)', async () => {
    const g = path.join(dir, 'root');
    const r = path.join(dir, 'run');
    await crashDuringPut(g, r, 'vfs');
    const store = await Store.open({ graphRoot: g, runRoot: r, driver: 'vfs' });
    try {
      expect(await store.layers()).toEqual([]);
    } finally {
      await store.close();
    }
    expect(await leftoverLayerDirs(g, 'vfs')).toEqual([]);
    expect(JSON.parse(await goOut(g, r, 'vfs', 'layers', '--json')) ?? []).toEqual([]);
  });

  it('the Go CLI cleans up first, then our open sees a clean store (overlay)', async () => {
    const g = path.join(dir, 'root');
    const r = path.join(dir, 'run');
    await crashDuringPut(g, r, 'overlay');
    expect(JSON.parse(await goOut(g, r, 'overlay', 'layers', '--json')) ?? []).toEqual([]);
    expect(await leftoverLayerDirs(g, 'overlay')).toEqual([]);
    const store = await Store.open({ graphRoot: g, runRoot: r, driver: 'overlay' });
    try {
      expect(await store.layers()).toEqual([]);
    } finally {
      await store.close();
    }
  });
});
