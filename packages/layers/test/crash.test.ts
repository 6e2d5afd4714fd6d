import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import '@cs/drivers-vfs';
import '@cs/drivers-overlay';
import { openDriver, type Driver } from '@cs/drivers';
import { LayerStore } from '../src/index.js';
import { BENCH_DATA, GO_CLI, execFileP, hasBenchData, hasGoCLI, isRoot } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/put-layer.mjs', import.meta.url));
const ready = hasBenchData && hasGoCLI && isRoot;
if (!hasBenchData) console.warn(`crash test skipped: no ${BENCH_DATA}/base.tar (set CS_BENCH_DATA)`);
if (!hasGoCLI) console.warn('crash test skipped: the Go containers-storage CLI is not installed');
if (!isRoot) console.warn('crash test skipped: needs root');

/** Where each driver keeps a layer's directory. */
const layerDirOf = (graphRoot: string, driver: string, id: string) =>
  driver === 'vfs' ? path.join(graphRoot, 'vfs/dir', id) : path.join(graphRoot, 'overlay', id);

/** Starts the import of base.tar in a child and SIGKILLs it once it is writing layer contents. */
async function killMidPut(graphRoot: string, runRoot: string, driver: string): Promise<string> {
  const child = spawn(process.execPath, [fixture, graphRoot, runRoot, driver, path.join(BENCH_DATA, 'base.tar')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const layersJSON = path.join(graphRoot, `${driver}-layers/layers.json`);
  const deadline = Date.now() + 60_000;
  try {
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the import never got going: ${output}`);
      const text = await readFile(layersJSON, 'utf8').catch(() => '');
      const m = /"id":"([0-9a-f]{64})"[^}]*"flags":\{"incomplete":true\}/.exec(text);
      if (m) {
        const dir = layerDirOf(graphRoot, driver, m[1]!);
        const content = driver === 'vfs' ? dir : path.join(dir, 'diff');
        const entries = await readdir(content).catch(() => [] as string[]);
        // Kill while the tarball is being unpacked: some top-level directories exist already.
        if (entries.length >= 3) {
          child.kill('SIGKILL');
          await exited;
          return m[1]!;
        }
      }
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

const drivers = isRoot ? ['vfs', 'overlay'] : ['vfs'];

/** Closes the driver, then removes the test root (Go's overlay driver leaves its home bind-mounted: unmounted first). */
async function cleanupCrashRoot(root: string, driver: Driver | undefined): Promise<void> {
  await driver?.cleanup().catch(() => {});
  if (!root) return;
  await execFileP('umount', ['-l', path.join(root, 'graph/overlay')]).catch(() => {});
  await rm(root, { recursive: true, force: true });
}

describe.skipIf(!ready).each(drivers)('SIGKILL in the middle of putLayer of base.tar (%s)', (driverName) => {
  let root = '';
  let driver: Driver | undefined;
  afterEach(async () => {
    await cleanupCrashRoot(root, driver);
    driver = undefined;
  });

  async function goLayers(graphRoot: string, runRoot: string): Promise<unknown[]> {
    const { stdout } = await execFileP(GO_CLI, ['--graph', graphRoot, '--run', runRoot, '--storage-driver', driverName, 'layers', '--json']);
    return (JSON.parse(stdout) as unknown[] | null) ?? [];
  }

  async function expectNoLeftovers(graphRoot: string, id: string): Promise<void> {
    expect(existsSync(layerDirOf(graphRoot, driverName, id))).toBe(false);
    expect(existsSync(path.join(graphRoot, `${driverName}-layers`, `${id}.tar-split.gz`))).toBe(false);
    const text = await readFile(path.join(graphRoot, `${driverName}-layers/layers.json`), 'utf8');
    expect(JSON.parse(text)).toEqual([]);
    if (driverName === 'overlay') {
      // No short link may be left pointing at the removed layer.
      const links = await readdir(path.join(graphRoot, 'overlay/l')).catch(() => [] as string[]);
      for (const link of links) expect(existsSync(path.join(graphRoot, 'overlay/l', link))).toBe(true);
      expect(links).toEqual([]);
    }
  }

  it('our next open removes the half-made layer, and Go then sees a clean store', { timeout: 120_000 }, async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-layers-crash-'));
    const graphRoot = path.join(root, 'graph');
    const runRoot = path.join(root, 'run');
    const id = await killMidPut(graphRoot, runRoot, driverName);
    driver = await openDriver(driverName, { graphRoot, runRoot });
    const store = await LayerStore.open({ driver, graphRoot, runRoot });
    expect(await store.layers()).toEqual([]);
    await store.close();
    await expectNoLeftovers(graphRoot, id);
    expect(await goLayers(graphRoot, runRoot)).toEqual([]);
  });

  it('the Go CLI removes the half-made layer, and our open then sees a clean store', { timeout: 120_000 }, async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-layers-crash-'));
    const graphRoot = path.join(root, 'graph');
    const runRoot = path.join(root, 'run');
    const id = await killMidPut(graphRoot, runRoot, driverName);
    expect(await goLayers(graphRoot, runRoot)).toEqual([]);
    await expectNoLeftovers(graphRoot, id);
    driver = await openDriver(driverName, { graphRoot, runRoot });
    const store = await LayerStore.open({ driver, graphRoot, runRoot });
    expect(await store.layers()).toEqual([]);
    await store.close();
  });
});

const deleteFixture = fileURLToPath(new URL('./fixtures/delete-layer.mjs', import.meta.url));

/** Deletes base.tar's layer in a child and SIGKILLs it while the staged copy is being removed (lock released). */
async function killMidCleanup(graphRoot: string, runRoot: string, driver: string): Promise<{ id: string; tempDir: string }> {
  const child = spawn(process.execPath, [deleteFixture, graphRoot, runRoot, driver, path.join(BENCH_DATA, 'base.tar')], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tempdirs = path.join(graphRoot, driver, 'tempdirs');
  const deadline = Date.now() + 60_000;
  try {
    while (!/ready [0-9a-f]{64}/.test(output)) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`the import never finished: ${output}`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const id = /ready ([0-9a-f]{64})/.exec(output)![1]!;
    child.stdin.write('go\n');
    for (;;) {
      if (Date.now() > deadline || child.exitCode !== null) throw new Error(`no staged deletion was seen: ${output}`);
      const names = await readdir(tempdirs).catch(() => [] as string[]);
      const tempDir = names.find((n) => n.startsWith('temp-dir-'));
      // The record is gone (saved before layers.lock is released): the removal of the staged copy runs now.
      const recorded = await readFile(path.join(graphRoot, `${driver}-layers/layers.json`), 'utf8').catch(() => '');
      if (tempDir !== undefined && !recorded.includes(id)) {
        child.kill('SIGKILL');
        await exited;
        return { id, tempDir: path.join(tempdirs, tempDir) };
      }
      await new Promise((r) => setTimeout(r, 2));
    }
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
}

describe.skipIf(!ready || !isRoot).each(drivers)('SIGKILL while a staged layer deletion is removed (%s)', (driverName) => {
  let root = '';
  let driver: Driver | undefined;
  afterEach(async () => {
    await cleanupCrashRoot(root, driver);
    driver = undefined;
  });

  it('Go 1.43 reads the store meanwhile; our next writer removes the leftovers', { timeout: 120_000 }, async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-layers-staged-crash-'));
    const graphRoot = path.join(root, 'graph');
    const runRoot = path.join(root, 'run');
    const { id, tempDir } = await killMidCleanup(graphRoot, runRoot, driverName);
    expect(existsSync(tempDir)).toBe(true); // the dead owner's staged copy (partly removed)
    const go = (...args: string[]) =>
      execFileP(GO_CLI, ['--graph', graphRoot, '--run', runRoot, '--storage-driver', driverName, ...args]).then((r) => r.stdout);
    expect(JSON.parse(await go('layers', '--json')) ?? []).toEqual([]);
    const created = (await go('create-layer')).trim();
    expect(created).toMatch(/^[0-9a-f]{64}$/);
    driver = await openDriver(driverName, { graphRoot, runRoot });
    const store = await LayerStore.open({ driver, graphRoot, runRoot });
    expect((await store.layers()).map((l) => l.id)).toEqual([created]);
    await store.close();
    expect(await readdir(path.join(graphRoot, driverName, 'tempdirs'))).toEqual([]);
    expect(existsSync(path.join(graphRoot, driverName === 'vfs' ? 'vfs/dir' : 'overlay', id))).toBe(false);
  });
});
