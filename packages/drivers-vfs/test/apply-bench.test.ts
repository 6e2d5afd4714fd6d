import { createReadStream } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VfsDriver } from '../src/index.js';
import { BENCH_DATA, checkRequirements, goCli, makeTempRoot, treeListing } from './helpers.js';

const runnable = await checkRequirements('vfs applyDiff comparison', { benchData: ['base.tar', 'upper.tar'], goCli: true, root: true });

describe.skipIf(!runnable)('vfs applyDiff of the bench layers against the Go CLI', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let ours: VfsDriver;
  let goTop = '';
  let goBase = '';
  const goArgs = () => [path.join(root.dir, 'go-graph'), path.join(root.dir, 'go-run'), 'vfs'] as const;

  beforeAll(async () => {
    root = await makeTempRoot();
    goBase = (await goCli(...goArgs(), ['import-layer', '-f', path.join(BENCH_DATA, 'base.tar')])).trim();
    goTop = (await goCli(...goArgs(), ['import-layer', '-f', path.join(BENCH_DATA, 'upper.tar'), goBase])).trim();
    ours = await VfsDriver.open({ home: path.join(root.dir, 'graph', 'vfs'), runHome: path.join(root.dir, 'run', 'vfs'), options: [], uidMaps: [], gidMaps: [] });
    await ours.create('base', null);
    await ours.applyDiff('base', null, createReadStream(path.join(BENCH_DATA, 'base.tar')));
    await ours.create('top', 'base');
    await ours.applyDiff('top', 'base', createReadStream(path.join(BENCH_DATA, 'upper.tar')));
  });
  afterAll(() => root?.dispose());
  const topDir = () => path.join(ours.home, 'dir', 'top');

  it('produces the same full tree as Go (names, types, modes, owners, sizes, links, xattrs)', async () => {
    const expected = await treeListing(path.join(root.dir, 'go-graph', 'vfs', 'dir', goTop));
    const actual = await treeListing(path.join(ours.home, 'dir', 'top'));
    expect(actual.length).toBeGreaterThan(1000);
    expect(actual).toEqual(expected);
  });

  it('reports the same changes and diff size as Go', async () => {
    const goChanges = JSON.parse(await goCli(...goArgs(), ['changes', '--json', goTop])) as Array<{ Path: string; Kind: number }>;
    const key = (c: { path: string; kind: number }) => `${c.kind} ${c.path}`;
    const ourChanges = await ours.changes('top', 'base');
    expect(ourChanges.length).toBeGreaterThan(100);
    const mine = new Set(ourChanges.map(key));
    const theirs = new Set(goChanges.map((c) => key({ path: c.Path, kind: c.Kind })));
    expect([...theirs].filter((k) => !mine.has(k))).toEqual([]);
    // HEAD semantics (our default) also report directories whose only change is their mtime;
    // Go 1.43 ignores directory mtimes. Every extra entry must be such a directory Modify.
    const { lstat } = await import('node:fs/promises');
    for (const extra of [...mine].filter((k) => !theirs.has(k))) {
      expect(extra.startsWith('0 ')).toBe(true);
      expect((await lstat(path.join(topDir(), extra.slice(2)))).isDirectory()).toBe(true);
    }
    expect(await ours.diffSize('top', 'base')).toBe(Number((await goCli(...goArgs(), ['diffsize', goTop])).trim()));
  });
});
