import { lstat, mkdir, readFile, readlink, readdir, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLayerLayout, generateLinkId, isLinkId, layerOfLinkEntry, LayerPaths, MAX_DEPTH, readLowerEntries } from '../src/index.js';
import { isRoot, makeTempRoot } from './helpers.js';

const ids = ['1'.repeat(63) + 'a', '2'.repeat(63) + 'b', '3'.repeat(63) + 'c'];
const opts = { rootUid: 0, rootGid: 0, baseDiffMode: 0o555 };

if (!isRoot) console.warn('skipping overlay layout tests: layer dirs are chowned to root');

describe.skipIf(!isRoot)('overlay layout', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let home: string;
  beforeEach(async () => {
    root = await makeTempRoot();
    home = path.join(root.dir, 'overlay');
    await mkdir(path.join(home, 'l'), { recursive: true });
  });
  afterEach(() => root.dispose());

  it('makes 26-character base32 link IDs', () => {
    const seen = new Set(Array.from({ length: 200 }, generateLinkId));
    expect(seen.size).toBe(200);
    for (const lid of seen) expect(isLinkId(lid)).toBe(true);
  });

  it('lays out a chain byte for byte as Go does', async () => {
    await createLayerLayout(home, ids[0]!, null, opts);
    await createLayerLayout(home, ids[1]!, ids[0]!, opts);
    await createLayerLayout(home, ids[2]!, ids[1]!, opts);
    const [base, mid, top] = ids.map((id) => new LayerPaths(home, id));

    expect((await readdir(base!.dir)).sort()).toEqual(['diff', 'empty', 'link', 'merged', 'work']);
    expect((await readdir(mid!.dir)).sort()).toEqual(['diff', 'link', 'lower', 'merged', 'work']);
    const lids = await Promise.all(ids.map((id) => readFile(new LayerPaths(home, id).linkFile, 'utf8')));
    for (const lid of lids) expect(lid).toMatch(/^[A-Z2-7]{26}$/); // no newline
    expect(await readFile(mid!.lowerFile, 'utf8')).toBe(`l/${lids[0]}`);
    expect(await readFile(top!.lowerFile, 'utf8')).toBe(`l/${lids[1]}:l/${lids[0]}`);
    expect(await readlink(path.join(home, 'l', lids[2]!))).toBe(`../${ids[2]}/diff`);
    expect(await readLowerEntries(top!)).toEqual([`l/${lids[1]}`, `l/${lids[0]}`]);
    expect(await layerOfLinkEntry(home, `l/${lids[1]}`)).toBe(ids[1]);

    const mode = async (p: string) => (await stat(p)).mode & 0o7777;
    expect(await mode(base!.dir)).toBe(0o700);
    expect(await mode(base!.diff)).toBe(0o555);
    expect(await mode(base!.work)).toBe(0o700);
    expect(await mode(base!.merged)).toBe(0o700);
    expect(await mode(base!.empty)).toBe(0o700);
    expect(await mode(base!.linkFile)).toBe(0o644);
  });

  it("gives a child its parent's diff mode", async () => {
    await createLayerLayout(home, ids[0]!, null, opts);
    const { chmod } = await import('node:fs/promises');
    await chmod(new LayerPaths(home, ids[0]!).diff, 0o755);
    await createLayerLayout(home, ids[1]!, ids[0]!, opts);
    expect((await stat(new LayerPaths(home, ids[1]!).diff)).mode & 0o7777).toBe(0o755);
  });

  it('fails on a missing parent or an existing layer, leaving nothing behind', async () => {
    await expect(createLayerLayout(home, ids[1]!, ids[0]!, opts)).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST' });
    await createLayerLayout(home, ids[0]!, null, opts);
    await expect(createLayerLayout(home, ids[0]!, null, opts)).rejects.toMatchObject({ code: 'ERR_LAYER_EXISTS' });
    expect((await readdir(home)).sort()).toEqual([ids[0], 'l']);
    expect(await readdir(path.join(home, 'l'))).toHaveLength(1);
  });

  it('fails cleanly when the parent has lost its link file', async () => {
    await createLayerLayout(home, ids[0]!, null, opts);
    // a parent whose diff/ vanished: the stat of its mode fails after the checks
    const { rm } = await import('node:fs/promises');
    await rm(new LayerPaths(home, ids[0]!).linkFile);
    await expect(createLayerLayout(home, ids[1]!, ids[0]!, opts)).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(home)).sort()).toEqual([ids[0], 'l']);
    expect(await readdir(path.join(home, 'l'))).toHaveLength(1);
  });

  it(`refuses a chain deeper than ${MAX_DEPTH - 1} lowers`, async () => {
    await createLayerLayout(home, ids[0]!, null, opts);
    const parent = new LayerPaths(home, ids[0]!);
    const fake = Array.from({ length: MAX_DEPTH - 1 }, () => `l/${generateLinkId()}`).join(':');
    await writeFile(parent.lowerFile, fake);
    await expect(createLayerLayout(home, ids[1]!, ids[0]!, opts)).rejects.toMatchObject({ code: 'ERR_DRIVER_MAX_DEPTH' });
    await expect(lstat(new LayerPaths(home, ids[1]!).dir)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
