import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { mount, umount2, MNT } from '@cs/sys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isMountPoint } from '../src/home.js';
import { MS } from '../src/mount-flags.js';
import { isRoot, makeTempRoot } from './helpers.js';

describe('isMountPoint (the openat2 test of Go mountinfo.Mounted, then the mount table)', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  beforeEach(async () => {
    root = await makeTempRoot();
  });
  afterEach(() => root.dispose());

  it('tells mount points from plain directories, files, symlinks and missing paths', async () => {
    expect(await isMountPoint('/')).toBe(true);
    expect(await isMountPoint('/proc')).toBe(true);
    const dir = path.join(root.dir, 'plain');
    await mkdir(dir);
    await writeFile(path.join(root.dir, 'file'), 'x');
    await symlink('/proc', path.join(root.dir, 'link'));
    expect(await isMountPoint(dir)).toBe(false);
    expect(await isMountPoint(path.join(root.dir, 'file'))).toBe(false);
    // The name itself is looked at, as Go does (O_NOFOLLOW): a symlink to a mount point is not one.
    expect(await isMountPoint(path.join(root.dir, 'link'))).toBe(false);
    expect(await isMountPoint(path.join(root.dir, 'missing'))).toBe(false);
    expect(await isMountPoint(path.join(root.dir, 'missing', 'deeper'))).toBe(false);
  });

  it.skipIf(!isRoot)('sees a bind mount of a directory onto itself (same device) as a mount point', async () => {
    const dir = path.join(root.dir, 'home');
    await mkdir(dir);
    await mount(dir, dir, 'none', MS.BIND);
    try {
      expect(await isMountPoint(dir)).toBe(true);
      expect(await isMountPoint(`${dir}/`)).toBe(true);
    } finally {
      await umount2(dir, MNT.DETACH);
    }
    expect(await isMountPoint(dir)).toBe(false);
  });
});
