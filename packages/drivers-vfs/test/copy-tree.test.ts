import { chmod, chown, link, lstat, mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { lsetxattr, lutimens, makedev, mknod } from '@cs/sys';
import { copyTree } from '../src/index.js';
import { isRoot, makeTempRoot, treeListing } from './helpers.js';

if (!isRoot) console.warn('skipping copyTree tests: owners, devices and trusted.* xattrs need root');

describe.skipIf(!isRoot)('copyTree', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  beforeEach(async () => {
    root = await makeTempRoot();
  });
  afterEach(() => root.dispose());

  it('keeps owners, modes, times, xattrs, hard links, devices, FIFOs and symlinks', async () => {
    const src = path.join(root.dir, 'src');
    await mkdir(path.join(src, 'd/deeper'), { recursive: true });
    await writeFile(path.join(src, 'd/file'), 'hello');
    await link(path.join(src, 'd/file'), path.join(src, 'hard'));
    await writeFile(path.join(src, 'suid'), 'x');
    await chown(path.join(src, 'suid'), 1000, 1001);
    await chmod(path.join(src, 'suid'), 0o4755);
    await writeFile(path.join(src, 'root-suid'), 'y');
    await chmod(path.join(src, 'root-suid'), 0o6711);
    await writeFile(path.join(src, 'private'), 'z', { mode: 0o600 });
    await symlink('../nowhere', path.join(src, 'd/dangling'));
    await mknod(path.join(src, 'null'), 0o020000 | 0o666, makedev(1, 3));
    await chmod(path.join(src, 'null'), 0o666); // mknod applied the umask
    await mknod(path.join(src, 'fifo'), 0o010000 | 0o640, 0);
    await mknod(path.join(src, 'd/wh'), 0o020000, makedev(0, 0)); // an overlay whiteout
    await lsetxattr(path.join(src, 'd/file'), 'user.note', Buffer.from('kept'));
    await lsetxattr(path.join(src, 'd'), 'trusted.overlay.opaque', Buffer.from('y'));
    await lsetxattr(path.join(src, 'suid'), 'security.capability', Buffer.from('0100000200200000000000000000000000000000', 'hex'));
    await chmod(path.join(src, 'd/deeper'), 0o555);
    // atime after mtime, so that relatime does not move it when the copy reads the directory
    await lutimens(path.join(src, 'd/deeper'), 1_600_000_000_987_654_321n, 1_600_000_000_123_456_789n);
    await lutimens(path.join(src, 'd/dangling'), 1_500_000_000_000_000_001n, 1_500_000_000_000_000_002n);
    await chmod(src, 0o751);

    const dst = path.join(root.dir, 'dst');
    await copyTree(src, dst);

    // times first: listing the trees reads the directories, and relatime then moves their atime
    const deeper = await lstat(path.join(dst, 'd/deeper'), { bigint: true });
    expect(deeper.mtimeNs).toBe(1_600_000_000_123_456_789n);
    expect(deeper.atimeNs).toBe(1_600_000_000_987_654_321n);
    expect(await treeListing(dst)).toEqual(await treeListing(src));
    expect((await lstat(dst)).mode & 0o7777).toBe(0o751);
    expect((await lstat(path.join(dst, 'root-suid'))).mode & 0o7777).toBe(0o6711);
    expect((await lstat(path.join(dst, 'null'))).mode & 0o7777).toBe(0o666); // not narrowed by the umask
    const a = await lstat(path.join(dst, 'd/file'), { bigint: true });
    const b = await lstat(path.join(dst, 'hard'), { bigint: true });
    expect(a.ino).toBe(b.ino);
    expect(a.ino).not.toBe((await lstat(path.join(src, 'd/file'), { bigint: true })).ino);
    expect((await lstat(path.join(dst, 'd/dangling'), { bigint: true })).mtimeNs).toBe(1_500_000_000_000_000_002n);
    expect(await readFile(path.join(dst, 'hard'), 'utf8')).toBe('hello');
  });

  it('refuses to copy onto an existing destination and reports a missing source', async () => {
    const src = path.join(root.dir, 'src');
    await mkdir(src);
    await mkdir(path.join(root.dir, 'dst'));
    await expect(copyTree(src, path.join(root.dir, 'dst'))).rejects.toMatchObject({ code: 'EEXIST' });
    await expect(copyTree(path.join(root.dir, 'missing'), path.join(root.dir, 'dst2'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
