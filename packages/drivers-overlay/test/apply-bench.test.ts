import { createReadStream } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LayerPaths, OverlayDriver } from '../src/index.js';
import { BENCH_DATA, checkRequirements, goCli, makeTempRoot, treeListing } from './helpers.js';

const runnable = await checkRequirements('overlay applyDiff comparison', { benchData: ['base.tar', 'upper.tar'], goCli: true, root: true });

describe.skipIf(!runnable)('overlay applyDiff of the bench layers against the Go CLI', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let ours: OverlayDriver;
  let goBase = '';
  let goTop = '';
  const base = 'b'.repeat(64);
  const top = 'c'.repeat(64);

  beforeAll(async () => {
    root = await makeTempRoot();
    const goGraph = path.join(root.dir, 'go-graph');
    const goRun = path.join(root.dir, 'go-run');
    goBase = (await goCli(goGraph, goRun, 'overlay', ['import-layer', '-f', path.join(BENCH_DATA, 'base.tar')])).trim();
    goTop = (await goCli(goGraph, goRun, 'overlay', ['import-layer', '-f', path.join(BENCH_DATA, 'upper.tar'), goBase])).trim();
    await goCli(goGraph, goRun, 'overlay', ['shutdown']);

    ours = await OverlayDriver.open({
      home: path.join(root.dir, 'graph', 'overlay'),
      runHome: path.join(root.dir, 'run', 'overlay'),
      options: [],
      uidMaps: [],
      gidMaps: [],
    });
    await ours.create(base, null);
    await ours.applyDiff(base, null, createReadStream(path.join(BENCH_DATA, 'base.tar')));
    await ours.create(top, base);
    await ours.applyDiff(top, base, createReadStream(path.join(BENCH_DATA, 'upper.tar')));
  });
  afterAll(async () => {
    await ours?.cleanup().catch(() => undefined);
    await root?.dispose();
  });

  it('writes the same diff/ trees as Go (names, types, modes, owners, sizes, links, xattrs, whiteouts)', async () => {
    const goHome = path.join(root.dir, 'go-graph', 'overlay');
    for (const [mine, theirs] of [
      [base, goBase],
      [top, goTop],
    ] as const) {
      const expected = await treeListing(new LayerPaths(goHome, theirs).diff);
      const actual = await treeListing(new LayerPaths(ours.home, mine).diff);
      expect(actual.length).toBeGreaterThan(100);
      expect(actual).toEqual(expected);
    }
    const topListing = await treeListing(new LayerPaths(ours.home, top).diff);
    // the upper layer carries deletions: they must be 0/0 whiteout devices
    expect(topListing.some((l) => / c 0 0:0 dev=0,0/.test(l))).toBe(true);
  });

  it('reports the same changes and diff size as Go', async () => {
    const goGraph = path.join(root.dir, 'go-graph');
    const goRun = path.join(root.dir, 'go-run');
    const goChanges = JSON.parse(await goCli(goGraph, goRun, 'overlay', ['changes', '--json', goTop])) as Array<{ Path: string; Kind: number }>;
    const key = (c: { path: string; kind: number }) => `${c.kind} ${c.path}`;
    const ourChanges = await ours.changes(top, base);
    expect(ourChanges.length).toBeGreaterThan(100);
    expect(ourChanges.map(key).sort()).toEqual(goChanges.map((c) => key({ path: c.Path, kind: c.Kind })).sort());
    const goSize = Number((await goCli(goGraph, goRun, 'overlay', ['diffsize', goTop])).trim());
    expect(await ours.diffSize(top, base)).toBe(goSize);
    await goCli(goGraph, goRun, 'overlay', ['shutdown']);
  });

  it('mounts the result with every layer visible', async () => {
    const merged = await ours.get(top, { readOnly: true });
    try {
      const { readdir } = await import('node:fs/promises');
      expect((await readdir(merged)).length).toBeGreaterThan(5);
    } finally {
      await ours.put(top);
    }
  });
});
