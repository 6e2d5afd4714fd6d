import { createReadStream } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeKind, formatChange } from '@cs/archive';
import { LayerPaths, OverlayDriver } from '../src/index.js';
import { exists, GO_CLI, goCli, haveGoCli, isRoot, makeTar, makeTempRoot, tarMembers } from './helpers.js';

const haveGo = haveGoCli;
if (!haveGo) console.warn(`skipping Go interop tests: ${GO_CLI} (Debian's containers-storage) is not installed`);
if (!isRoot) console.warn('skipping Go interop tests: they need root');

const newId = (n: number) => `${n}`.repeat(64).slice(0, 63) + 'e';

/** Minimal layers.json records (on-disk.md appendix A) so that the Go CLI sees our layers. */
async function writeLayersJson(graph: string, layers: Array<{ id: string; parent?: string }>): Promise<void> {
  await mkdir(path.join(graph, 'overlay-layers'), { recursive: true, mode: 0o700 });
  const records = layers.map((l) => ({ id: l.id, ...(l.parent ? { parent: l.parent } : {}), created: '2026-11-27T22:00:00Z' }));
  await writeFile(path.join(graph, 'overlay-layers', 'layers.json'), JSON.stringify(records), { mode: 0o600 });
}

describe.skipIf(!haveGo || !isRoot)('overlay interop with the Go CLI', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let graph: string;
  let run: string;
  const go = (...args: string[]) => goCli(graph, run, 'overlay', args);
  const open = () => OverlayDriver.open({ home: path.join(graph, 'overlay'), runHome: path.join(run, 'overlay'), options: [], uidMaps: [], gidMaps: [] });

  beforeEach(async () => {
    root = await makeTempRoot();
    graph = path.join(root.dir, 'graph');
    run = path.join(root.dir, 'run');
    await makeTar(path.join(root.dir, 'one.tar'), ['d:etc', 'f:etc/a:aaa', 'f:etc/b:bbb', 'd:opq', 'f:opq/old:old', 'c:null:1:3', 'l:link:etc/a', 'h:hard:etc/b']);
    await makeTar(path.join(root.dir, 'two.tar'), ['d:etc', 'f:etc/.wh.a:', 'f:etc/c:ccc', 'd:opq', 'f:opq/.wh..wh..opq:', 'f:opq/new:new']);
  });
  afterEach(() => root.dispose());

  it('mounts a chain the Go CLI made, and Go sees what we wrote', async () => {
    const one = (await go('import-layer', '-f', path.join(root.dir, 'one.tar'))).trim();
    const two = (await go('import-layer', '-f', path.join(root.dir, 'two.tar'), one)).trim();
    const top = (await go('create-layer', two)).trim();
    const driver = await open();
    try {
      const merged = await driver.get(top);
      expect(await readFile(path.join(merged, 'etc/b'), 'utf8')).toBe('bbb');
      expect(await readFile(path.join(merged, 'etc/c'), 'utf8')).toBe('ccc');
      expect(await exists(path.join(merged, 'etc/a'))).toBe(false);
      expect(await exists(path.join(merged, 'opq/old'))).toBe(false);
      expect(await readFile(path.join(merged, 'opq/new'), 'utf8')).toBe('new');
      await writeFile(path.join(merged, 'ours.txt'), 'written by node');
      await driver.put(top);

      // our native changes equal Go's for the same layers
      const goChanges = (await go('changes', two)).trim().split('\n').sort();
      const ours = (await driver.changes(two, one)).map((c) => `${['Modify', 'Add', 'Delete'][c.kind]} ${JSON.stringify(c.path)}`).sort();
      expect(ours).toEqual(goChanges);
      expect(goChanges).toEqual(['Add "/etc/c"', 'Add "/opq/new"', 'Delete "/etc/a"', 'Delete "/opq"', 'Modify "/etc"']);
      expect((await go('changes', top)).trim()).toBe('Add "/ours.txt"');
      expect(String(await driver.diffSize(top, two))).toBe((await go('diffsize', top)).trim());
      const goDiff = path.join(root.dir, 'go-diff.tar');
      await writeFile(goDiff, await goCliBytes(graph, run, ['diff', '-u', top]));
      const { tarFileMembers } = await import('./helpers.js');
      const goMembers = await tarFileMembers(goDiff);
      expect(goMembers).toHaveLength(1);
      expect(goMembers[0]).toMatch(/ours.txt$/);
      expect(await tarMembers(await driver.diff(top, two), path.join(root.dir, 'our-diff.tar'))).toEqual(goMembers);
    } finally {
      await driver.put(top).catch(() => undefined);
      await driver.cleanup().catch(() => undefined);
    }
  });

  it('makes a chain the Go CLI mounts and diffs', async () => {
    const driver = await open();
    const [one, two, top] = [newId(1), newId(2), newId(3)];
    await driver.create(one, null);
    await driver.applyDiff(one, null, createReadStream(path.join(root.dir, 'one.tar')));
    await driver.create(two, one);
    await driver.applyDiff(two, one, createReadStream(path.join(root.dir, 'two.tar')));
    await driver.createReadWrite(top, two);
    await writeFile(path.join(new LayerPaths(driver.home, top).diff, 'from-node'), 'x');
    await driver.cleanup();
    await writeLayersJson(graph, [{ id: one }, { id: two, parent: one }, { id: top, parent: two }]);

    const mountpoint = (await go('mount', top)).trim();
    try {
      expect(mountpoint).toBe(new LayerPaths(driver.home, top).merged);
      expect(await readFile(path.join(mountpoint, 'etc/c'), 'utf8')).toBe('ccc');
      expect(await readFile(path.join(mountpoint, 'hard'), 'utf8')).toBe('bbb');
      expect(await readFile(path.join(mountpoint, 'from-node'), 'utf8')).toBe('x');
      expect(await exists(path.join(mountpoint, 'etc/a'))).toBe(false);
      expect(await exists(path.join(mountpoint, 'opq/old'))).toBe(false);
    } finally {
      await go('unmount', top);
    }
    const goChanges = (await go('changes', two)).trim().split('\n').sort();
    expect(goChanges).toEqual((await driver.changes(two, one)).map(formatGo).sort());
    expect(goChanges).toContain('Delete "/etc/a"');
    await go('shutdown');
  });
});

function formatGo(c: { kind: ChangeKind; path: string }): string {
  return `${['Modify', 'Add', 'Delete'][c.kind]} ${JSON.stringify(c.path)}`;
}
void formatChange;

async function goCliBytes(graph: string, run: string, args: string[]): Promise<Buffer> {
  const { spawn } = await import('node:child_process');
  return new Promise((resolve, reject) => {
    const child = spawn(GO_CLI, ['--graph', graph, '--run', run, '--storage-driver', 'overlay', ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (c: Buffer) => chunks.push(c));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Buffer.concat(chunks)) : reject(new Error(`containers-storage ${args.join(' ')} exited ${code}`))));
  });
}
