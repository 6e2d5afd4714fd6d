import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeKind } from '@cs/archive';
import { findMount } from '@cs/drivers';
import { LayerPaths, OverlayDriver } from '../src/index.js';
import { exists, isRoot, makeTempRoot, openTestDriver } from './helpers.js';

const FUSE = '/usr/bin/fuse-overlayfs';
const haveFuse = (await exists(FUSE)) && (await exists('/dev/fuse'));
if (!haveFuse) console.warn(`skipping mount_program tests: ${FUSE} or /dev/fuse is missing`);
if (!isRoot) console.warn('skipping mount_program tests: they need root');

describe.skipIf(!haveFuse || !isRoot)('overlay with mount_program (fuse-overlayfs)', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let driver: OverlayDriver;
  beforeEach(async () => {
    root = await makeTempRoot();
    driver = await openTestDriver(root.dir, [`overlay.mount_program=${FUSE}`]);
  });
  afterEach(async () => {
    await driver.cleanup().catch(() => undefined);
    await root.dispose();
  });

  it('records the mount program, mounts through FUSE and unmounts with fusermount', async () => {
    expect(await readFile(path.join(driver.home, '.has-mount-program'), 'utf8')).toBe('true');
    const [base, top] = ['a'.repeat(64), 'd'.repeat(64)];
    await driver.create(base, null);
    await writeFile(path.join(new LayerPaths(driver.home, base).diff, 'gone'), 'old');
    await writeFile(path.join(new LayerPaths(driver.home, base).diff, 'kept'), 'kept');
    await driver.create(top, base);
    const merged = await driver.get(top);
    expect((await findMount(merged))?.fsType).toMatch(/^fuse/);
    expect(await readFile(path.join(merged, 'kept'), 'utf8')).toBe('kept');
    await writeFile(path.join(merged, 'new'), 'new');
    const { rm } = await import('node:fs/promises');
    await rm(path.join(merged, 'gone'));
    await driver.put(top);
    expect(await driver.isMounted(top)).toBe(false);
    expect(await readFile(path.join(new LayerPaths(driver.home, top).diff, 'new'), 'utf8')).toBe('new');

    // with a mount program the diff is the naive one, computed through the mounts
    const changes = await driver.changes(top, base);
    expect(changes.map((c) => `${c.kind} ${c.path}`).sort()).toEqual([`${ChangeKind.Add} /new`, `${ChangeKind.Delete} /gone`]);
    expect(await driver.isMounted(top)).toBe(false);
    expect(await driver.isMounted(base)).toBe(false);
    expect(await driver.diffSize(top, base)).toBe(3); // disk usage of diff/: 'new' and a whiteout
  });

  it('switches to the mount program for a home that was written with one (.wh. files), as Go does', async () => {
    const home = path.join(root.dir, 'g3', 'overlay');
    const { mkdir } = await import('node:fs/promises');
    // deep inside a layer, below a directory that happens to be called "merged"
    await mkdir(path.join(home, 'f'.repeat(64), 'diff', 'merged'), { recursive: true });
    await writeFile(path.join(home, 'f'.repeat(64), 'diff', 'merged', '.wh.deleted'), '');
    const detected = await OverlayDriver.open({ home, runHome: path.join(root.dir, 'r3', 'overlay'), options: ['overlay.skip_mount_home=true'], uidMaps: [], gidMaps: [] });
    expect(await readFile(path.join(home, '.has-mount-program'), 'utf8')).toBe('true');
    expect(detected.mountProgram).toMatch(/fuse-overlayfs$/);
  });

  it('reports a failing mount program as a mount error', async () => {
    const bad = await OverlayDriver.open({
      home: path.join(root.dir, 'g2', 'overlay'),
      runHome: path.join(root.dir, 'r2', 'overlay'),
      options: ['overlay.mount_program=/bin/false', 'overlay.skip_mount_home=true'],
      uidMaps: [],
      gidMaps: [],
    });
    await bad.create('e'.repeat(64), null);
    await expect(bad.get('e'.repeat(64))).rejects.toMatchObject({ code: 'ERR_DRIVER_MOUNT', message: expect.stringContaining('/bin/false') });
  });
});
