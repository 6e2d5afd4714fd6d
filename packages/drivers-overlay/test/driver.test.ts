import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findMount } from '@cs/drivers';
import { LayerPaths, OverlayDriver } from '../src/index.js';
import { exists, isRoot, makeTar, makeTempRoot } from './helpers.js';

const id = (n: number) => n.toString(16).padStart(63, '0') + 'f';

async function openDriver(dir: string, options: string[] = []) {
  return OverlayDriver.open({ home: path.join(dir, 'g', 'overlay'), runHome: path.join(dir, 'r', 'overlay'), options, uidMaps: [], gidMaps: [] });
}

describe.skipIf(!isRoot)('overlay driver with real mounts', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let driver: OverlayDriver;
  beforeEach(async () => {
    root = await makeTempRoot();
    driver = await openDriver(root.dir);
  });
  afterEach(() => root.dispose());

  it('initialises the home, run home and feature cache like Go', async () => {
    expect(await readFile(path.join(driver.home, '.has-mount-program'), 'utf8')).toBe('false');
    expect((await stat(path.join(driver.home, 'l'))).mode & 0o777).toBe(0o755);
    expect((await stat(driver.home)).mode & 0o777).toBe(0o700);
    const cache = await readdir(driver.runHome);
    expect(cache).toContain('overlay-true');
    expect(cache.some((n) => /^metacopy\(\)-(true|false)$/.test(n))).toBe(true);
    expect((await findMount(driver.home))?.mountPoint).toBe(driver.home); // private bind mount of itself
    expect((await readdir(driver.home)).sort()).toEqual(['.has-mount-program', 'l']); // probes cleaned up
    const status = Object.fromEntries(await driver.status());
    expect(status['Backing Filesystem']).toBe('extfs');
    expect(status['Native Overlay Diff']).toMatch(/^(true|false)$/);
    expect(cache.some((n) => /^native-diff\(\)-(true|false)$/.test(n)) || (await readdir(driver.runHome)).some((n) => n.startsWith('native-diff()'))).toBe(true);
    await driver.cleanup();
    expect(await findMount(driver.home)).toBeUndefined();
  });

  it('mounts a chain read-write and read-only, showing every layer', async () => {
    await driver.create(id(1), null);
    await driver.create(id(2), id(1));
    await driver.createReadWrite(id(3), id(2));
    await writeFile(path.join(new LayerPaths(driver.home, id(1)).diff, 'base.txt'), 'base');
    await writeFile(path.join(new LayerPaths(driver.home, id(2)).diff, 'mid.txt'), 'mid');
    await writeFile(path.join(new LayerPaths(driver.home, id(2)).diff, 'base.txt'), 'shadowed');

    const merged = await driver.get(id(3));
    expect(merged).toBe(new LayerPaths(driver.home, id(3)).merged);
    expect(await driver.isMounted(id(3))).toBe(true);
    expect(await readFile(path.join(merged, 'base.txt'), 'utf8')).toBe('shadowed');
    expect(await readFile(path.join(merged, 'mid.txt'), 'utf8')).toBe('mid');
    await writeFile(path.join(merged, 'top.txt'), 'top');
    expect(await readFile(path.join(new LayerPaths(driver.home, id(3)).diff, 'top.txt'), 'utf8')).toBe('top');
    const entry = await findMount(merged);
    expect(entry?.fsType).toBe('overlay');
    expect(entry?.superOptions).toContain(`upperdir=${new LayerPaths(driver.home, id(3)).diff}`);
    expect(await driver.get(id(3))).toBe(merged); // already mounted: same path, no second mount
    await driver.put(id(3));
    await Promise.all([driver.get(id(3)), driver.get(id(3)), driver.get(id(3))]);
    const { readMountTable } = await import('@cs/drivers');
    expect((await readMountTable()).filter((m) => m.mountPoint === merged)).toHaveLength(1); // concurrent gets: one mount
    await driver.put(id(3));
    expect(await driver.isMounted(id(3))).toBe(false);
    await driver.put(id(3)); // not mounted: nothing to do

    const ro = await driver.get(id(2), { readOnly: true });
    expect(await readFile(path.join(ro, 'mid.txt'), 'utf8')).toBe('mid');
    await expect(writeFile(path.join(ro, 'x'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    expect((await findMount(ro))?.mountOptions.split(',')).toContain('ro');
    await driver.put(id(2));

    expect(await driver.listLayers()).toEqual([id(1), id(2), id(3)]);
    const metadata = await driver.metadata(id(3));
    expect(metadata.LowerDir).toBe(`${new LayerPaths(driver.home, id(2)).diff}:${new LayerPaths(driver.home, id(1)).diff}`);
    expect(await driver.layerFileDirs(id(3))).toEqual([
      new LayerPaths(driver.home, id(3)).diff,
      new LayerPaths(driver.home, id(2)).diff,
      new LayerPaths(driver.home, id(1)).diff,
    ]);
  });

  it('owns a layer by the host IDs that container root maps to', async () => {
    const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
    await driver.create(id(1), null, { uidMaps: maps, gidMaps: [{ containerID: 0, hostID: 200000, size: 65536 }] });
    await driver.create(id(2), id(1)); // a child takes its parent's owner
    for (const n of [1, 2]) {
      for (const p of ['', 'diff', 'work', 'merged']) {
        const st = await stat(path.join(new LayerPaths(driver.home, id(n)).dir, p));
        expect(`${st.uid}:${st.gid}`).toBe('100000:200000');
      }
    }
    await expect(driver.create(id(3), null, { storageOpt: { size: '1G' } })).rejects.toMatchObject({ code: 'ERR_DRIVER_NOT_SUPPORTED' });
    await expect(driver.create(id(3), null, { storageOpt: { bogus: '1' } })).rejects.toThrow('overlay: unknown option bogus');
  });

  it('mounts volatile when asked and the kernel can, and mounts again after it', async () => {
    await driver.create(id(1), null);
    await driver.create(id(2), id(1));
    const merged = await driver.get(id(2), { volatile: true });
    const volatileOk = (await readdir(driver.runHome)).includes('volatile-true');
    expect(volatileOk || (await readdir(driver.runHome)).includes('volatile-false')).toBe(true);
    // the kernel reports the option as fsync=volatile
    if (volatileOk) expect((await findMount(merged))?.superOptions).toMatch(/(^|,)(volatile|fsync=volatile)(,|$)/);
    await writeFile(path.join(merged, 'v'), 'v');
    await driver.put(id(2));
    // the kernel leaves work/work/incompat/volatile behind; the next mount must still work
    const again = await driver.get(id(2));
    expect(await readFile(path.join(again, 'v'), 'utf8')).toBe('v');
    await driver.put(id(2));
  });

  it('finds lowers in an additional image store by their l/ name', async () => {
    const storeRoot = path.join(root.dir, 'ro-store');
    const store = await OverlayDriver.open({ home: path.join(storeRoot, 'overlay'), runHome: path.join(root.dir, 'ro-run', 'overlay'), options: ['overlay.skip_mount_home=true'], uidMaps: [], gidMaps: [] });
    await store.create(id(7), null);
    await writeFile(path.join(new LayerPaths(store.home, id(7)).diff, 'from-store'), 'ro');
    const lid = await readFile(new LayerPaths(store.home, id(7)).linkFile, 'utf8');

    const local = await OverlayDriver.open({ home: path.join(root.dir, 'g2', 'overlay'), runHome: path.join(root.dir, 'r2', 'overlay'), options: [`overlay.imagestore=${storeRoot}`, 'overlay.skip_mount_home=true'], uidMaps: [], gidMaps: [] });
    await local.create(id(8), null);
    // a layer whose parent lives in the read-only store, as Go records it: only an l/ name
    const layer = new LayerPaths(local.home, id(8));
    await writeFile(layer.lowerFile, `l/${lid}`);
    const { rm } = await import('node:fs/promises');
    await rm(layer.empty, { recursive: true });
    const merged = await local.get(id(8));
    expect(await readFile(path.join(merged, 'from-store'), 'utf8')).toBe('ro');
    await local.put(id(8));
    await writeFile(layer.lowerFile, 'l/AAAAAAAAAAAAAAAAAAAAAAAAAA');
    await expect(local.get(id(8))).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST', message: expect.stringContaining('l/AAAAAAAAAAAAAAAAAAAAAAAAAA') });
  });

  it('reports missing layers with a typed error', async () => {
    for (const op of [() => driver.get(id(9)), () => driver.put(id(9)), () => driver.metadata(id(9)), () => driver.create(id(8), id(9))]) {
      await expect(op()).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST' });
    }
    await expect(driver.get('../escape')).rejects.toMatchObject({ code: 'ERR_INVALID_LAYER_ID' });
    expect(await driver.exists(id(9))).toBe(false);
    await driver.remove(id(9)); // removing what is not there is fine, as in Go
  });

  it('leaves no stray directories or mounts when a mount fails', async () => {
    await driver.create(id(1), null);
    await driver.create(id(2), id(1));
    const layer = new LayerPaths(driver.home, id(2));
    await writeFile(layer.lowerFile, 'l/AAAAAAAAAAAAAAAAAAAAAAAAAA'); // a lower that does not exist
    const before = (await readdir(layer.dir)).sort();
    await expect(driver.get(id(2))).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST' });
    expect((await readdir(layer.dir)).sort()).toEqual(before);

    // the kernel refuses the mount: the upper dir is not a directory
    const { rm } = await import('node:fs/promises');
    await rm(layer.lowerFile);
    await rm(layer.merged, { recursive: true });
    await mkdir(layer.empty);
    await rm(layer.diff, { recursive: true });
    await writeFile(layer.diff, 'not a dir');
    await expect(driver.get(id(2))).rejects.toMatchObject({ code: 'ERR_DRIVER_MOUNT' });
    expect(await exists(layer.merged)).toBe(false);
    expect(await driver.isMounted(id(2))).toBe(false);
  });

  it('unmounts a mounted layer before removing it, and refuses to release the home while mounted', async () => {
    await driver.create(id(1), null);
    await driver.create(id(2), id(1));
    const lid = await readFile(new LayerPaths(driver.home, id(2)).linkFile, 'utf8');
    await driver.get(id(2));
    await expect(driver.cleanup()).rejects.toMatchObject({ code: 'ERR_LAYER_MOUNTED' });
    await driver.remove(id(2));
    expect(await driver.exists(id(2))).toBe(false);
    expect(await exists(path.join(driver.home, 'l', lid))).toBe(false);
    expect(await findMount(new LayerPaths(driver.home, id(2)).merged)).toBeUndefined();
    await driver.cleanup();
  });

  it('applies through the merged mount (Algorithm A) when the parent given is not the real one', async () => {
    await driver.create(id(1), null);
    await writeFile(path.join(new LayerPaths(driver.home, id(1)).diff, 'a'), 'a');
    await driver.create(id(2), id(1));
    const tar = path.join(root.dir, 'w.tar');
    await makeTar(tar, ['f:.wh.a:', 'f:c:c']);
    const { createReadStream } = await import('node:fs');
    await driver.applyDiff(id(2), null, createReadStream(tar));
    const diff = new LayerPaths(driver.home, id(2)).diff;
    expect(await readFile(path.join(diff, 'c'), 'utf8')).toBe('c');
    const whiteout = await stat(path.join(diff, 'a'));
    expect(whiteout.isCharacterDevice() && whiteout.rdev === 0).toBe(true); // made by the kernel
    expect(await driver.isMounted(id(2))).toBe(false);
  });

  it('mounts the top of a 300-layer chain with every layer visible', async () => {
    const depth = 300;
    let parent: string | null = null;
    for (let i = 1; i <= depth; i++) {
      await driver.create(id(i), parent);
      await writeFile(path.join(new LayerPaths(driver.home, id(i)).diff, `layer-${i}`), String(i));
      parent = id(i);
    }
    const plan = await driver.planMount(id(depth));
    expect(plan.via).toBe('fds');
    const merged = await driver.get(id(depth));
    const names = await readdir(merged);
    expect(names).toHaveLength(depth);
    expect(await readFile(path.join(merged, 'layer-1'), 'utf8')).toBe('1');
    expect(await readFile(path.join(merged, `layer-${depth}`), 'utf8')).toBe(String(depth));
    await driver.put(id(depth));

    // 100 deep takes Go 1.43's form: paths relative to the home
    expect((await driver.planMount(id(100))).via).toBe('relative');
    const mid = await driver.get(id(100), { readOnly: true });
    expect(await readdir(mid)).toHaveLength(100);
    await driver.put(id(100));
  });
});

describe.skipIf(!isRoot)('opening the overlay driver by name', () => {
  it('opens overlay2 as overlay and names bad options', async () => {
    const { openDriver } = await import('@cs/drivers');
    const root = await makeTempRoot();
    try {
      const opts = { graphRoot: path.join(root.dir, 'g'), runRoot: path.join(root.dir, 'r') };
      await expect(openDriver('overlay2', { ...opts, options: ['overlay.bogus=1'] })).rejects.toThrow('overlay: unknown option overlay.bogus');
      const driver = await openDriver('overlay2', { ...opts, options: ['overlay2.skip_mount_home=true', 'overlay.mountopt=nodev'] });
      expect(driver.name).toBe('overlay');
      expect(driver.home).toBe(path.join(root.dir, 'g', 'overlay'));
      expect(await findMount(driver.home)).toBeUndefined(); // skip_mount_home
      expect((await readdir(path.join(root.dir, 'r', 'overlay'))).some((n) => n.startsWith('metacopy(nodev)-'))).toBe(true);
      await driver.create(id(1), null);
      const merged = await driver.get(id(1));
      expect((await findMount(merged))?.mountOptions.split(',')).toContain('nodev');
      await driver.put(id(1));
    } finally {
      await root.dispose();
    }
  });
});

describe.runIf(!isRoot)('overlay driver without root', () => {
  it('is skipped: real overlay mounts need root', () => {
    console.warn('skipping overlay mount tests: not running as root');
  });
});
