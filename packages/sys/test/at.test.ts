import { constants } from 'node:fs';
import { close as closeCb, fstat as fstatCb } from 'node:fs';
import { lstat, mkdir, open, readFile, readlink, stat, symlink, writeFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AT, O, RENAME, RESOLVE, fchmodat, fchmodatSync, fchownat, fchownatSync, linkat, linkatSync, mkdirat, mkdiratSync,
  openat2, openat2Sync, renameat2, renameat2Sync, symlinkat, symlinkatSync, unlinkat, unlinkatSync,
} from '../src/index.js';
import { makeTempDir, rejection, removeDir, requireRoot, thrown } from './helpers.js';

const closeFd = promisify(closeCb);
const fstat = promisify(fstatCb);

let dir: string;
let dirHandle: FileHandle;
beforeEach(async () => {
  dir = await makeTempDir();
  dirHandle = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
});
afterEach(async () => {
  await dirHandle.close();
  await removeDir(dir);
});

describe('renameat2', () => {
  it('NOREPLACE refuses to overwrite (EEXIST with path and dest)', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await writeFile(a, 'A');
    await writeFile(b, 'B');
    const err = await rejection(renameat2(a, b, RENAME.NOREPLACE));
    expect(err).toMatchObject({ code: 'EEXIST', syscall: 'renameat2', path: a, dest: b });
    expect(err.message).toBe(`EEXIST: file exists, renameat2 '${a}' -> '${b}'`);
    await renameat2(a, join(dir, 'c'), RENAME.NOREPLACE);
    expect(await readFile(join(dir, 'c'), 'utf8')).toBe('A');
  });

  it('EXCHANGE swaps two entries atomically', async () => {
    const a = join(dir, 'a');
    const b = join(dir, 'b');
    await writeFile(a, 'A');
    await mkdir(b);
    await renameat2(a, b, RENAME.EXCHANGE);
    expect((await stat(a)).isDirectory()).toBe(true);
    expect(await readFile(b, 'utf8')).toBe('A');
    renameat2Sync(a, b, RENAME.EXCHANGE);
    expect(await readFile(a, 'utf8')).toBe('A');
    expect((await rejection(renameat2(a, join(dir, 'none'), RENAME.EXCHANGE))).code).toBe('ENOENT');
  });

  it('WHITEOUT leaves a 0/0 character device behind', async (ctx) => {
    requireRoot(ctx);
    const a = join(dir, 'a');
    await writeFile(a, 'A');
    await renameat2(a, join(dir, 'moved'), RENAME.WHITEOUT);
    const st = await lstat(a);
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(await readFile(join(dir, 'moved'), 'utf8')).toBe('A');
  });

  it('plain rename (flags 0) and bad flags', async () => {
    await writeFile(join(dir, 'a'), 'A');
    await renameat2(join(dir, 'a'), join(dir, 'b'), 0);
    expect(await readFile(join(dir, 'b'), 'utf8')).toBe('A');
    const err = await rejection(renameat2(join(dir, 'b'), join(dir, 'c'), RENAME.NOREPLACE | RENAME.EXCHANGE));
    expect(err.code).toBe('EINVAL');
    expect(thrown(() => renameat2Sync(join(dir, 'b'), join(dir, 'c'), -1)).code).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('openat2', () => {
  async function makeRoot(): Promise<string> {
    const root = join(dir, 'root');
    await mkdir(join(root, 'etc'), { recursive: true });
    await writeFile(join(root, 'etc/passwd'), 'inside');
    await symlink('/etc/passwd', join(root, 'abs-link'));
    await symlink('../../../../../../etc/passwd', join(root, 'rel-link'));
    return root;
  }

  async function readFd(fd: number): Promise<string> {
    const fh = await open(`/proc/self/fd/${fd}`, 'r');
    try {
      return await fh.readFile('utf8');
    } finally {
      await fh.close();
      await closeFd(fd);
    }
  }

  it('RESOLVE_IN_ROOT keeps ../ and absolute symlinks inside the root', async () => {
    const root = await makeRoot();
    const rootFh = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (const path of ['../../etc/passwd', '/etc/passwd', 'abs-link', 'rel-link']) {
        const fd = await openat2(rootFh.fd, path, { flags: O.RDONLY, resolve: RESOLVE.IN_ROOT });
        expect(await readFd(fd)).toBe('inside');
      }
    } finally {
      await rootFh.close();
    }
  });

  it('RESOLVE_BENEATH refuses escapes with EXDEV', async () => {
    const root = await makeRoot();
    const rootFh = await open(root, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      for (const path of ['../../etc/passwd', 'abs-link', 'rel-link']) {
        const err = await rejection(openat2(rootFh.fd, path, { flags: O.RDONLY, resolve: RESOLVE.BENEATH }));
        expect(err).toMatchObject({ code: 'EXDEV', syscall: 'openat2', path });
      }
      const fd = openat2Sync(rootFh.fd, 'etc/passwd', { flags: O.RDONLY, resolve: RESOLVE.BENEATH });
      expect(await readFd(fd)).toBe('inside');
      expect(thrown(() => openat2Sync(rootFh.fd, 'abs-link', { flags: O.RDONLY, resolve: RESOLVE.NO_SYMLINKS })).code).toBe('ELOOP');
    } finally {
      await rootFh.close();
    }
  });

  it('creates files with a mode, and always sets close-on-exec', async () => {
    const fd = await openat2(dirHandle.fd, 'new', { flags: O.CREAT | O.EXCL | O.WRONLY, mode: 0o640, resolve: RESOLVE.BENEATH });
    const fh = await open(`/proc/self/fdinfo/${fd}`, 'r');
    const info = await fh.readFile('utf8');
    await fh.close();
    const flags = parseInt(/flags:\s+(\d+)/.exec(info)![1]!, 8);
    expect(flags & O.CLOEXEC).toBe(O.CLOEXEC);
    expect((await fstat(fd)).mode & 0o777).toBe(0o640 & ~process.umask());
    await closeFd(fd);
    expect((await rejection(openat2(dirHandle.fd, 'new', { flags: O.CREAT | O.EXCL | O.WRONLY }))).code).toBe('EEXIST');
  });

  it('rejects bad arguments', async () => {
    expect((await rejection(openat2(dirHandle.fd, 'x', null as unknown as { flags: number }))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(openat2(dirHandle.fd, 'x', {} as { flags: number }))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(openat2(dirHandle.fd, 'x', { flags: 0, resolve: 1 << 30 }))).code).toBe('EINVAL');
    expect((await rejection(openat2(dirHandle.fd, 'x', { flags: 0, mode: 0o644 }))).code).toBe('EINVAL');
    expect((await rejection(openat2(dirHandle.fd, 'x', { flags: O.CREAT | O.WRONLY, mode: 0o100644 }))).code).toBe('EINVAL');
  });
});

describe('*at helpers', () => {
  it('mkdirat, symlinkat, linkat, unlinkat relative to a dirfd', async () => {
    const dfd = dirHandle.fd;
    await mkdirat(dfd, 'sub', 0o750);
    expect((await stat(join(dir, 'sub'))).mode & 0o777).toBe(0o750 & ~process.umask());
    mkdiratSync(dfd, 'sub2', 0o700);
    expect((await rejection(mkdirat(dfd, 'sub', 0o700)))).toMatchObject({ code: 'EEXIST', syscall: 'mkdirat', path: 'sub' });

    await writeFile(join(dir, 'sub/file'), 'F');
    await symlinkat('sub/file', dfd, 'link');
    symlinkatSync('/abs/target', dfd, 'link2');
    expect(await readlink(join(dir, 'link'))).toBe('sub/file');
    expect(await readlink(join(dir, 'link2'))).toBe('/abs/target');
    const symErr = await rejection(symlinkat('x', dfd, 'link'));
    expect(symErr).toMatchObject({ code: 'EEXIST', syscall: 'symlinkat', path: 'x', dest: 'link' });

    await linkat(dfd, 'sub/file', dfd, 'hard', 0);
    expect((await stat(join(dir, 'hard'))).nlink).toBe(2);
    // without AT_SYMLINK_FOLLOW, linkat links the symlink itself
    linkatSync(dfd, 'link', dfd, 'hard-link', 0);
    expect((await lstat(join(dir, 'hard-link'))).isSymbolicLink()).toBe(true);
    await linkat(dfd, 'link', dfd, 'hard-followed', AT.SYMLINK_FOLLOW);
    expect((await lstat(join(dir, 'hard-followed'))).isFile()).toBe(true);
    expect(await rejection(linkat(dfd, 'none', dfd, 'x', 0))).toMatchObject({ code: 'ENOENT', path: 'none', dest: 'x' });

    await unlinkat(dfd, 'hard', 0);
    unlinkatSync(dfd, 'sub2', AT.REMOVEDIR);
    await expect(lstat(join(dir, 'hard'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(join(dir, 'sub2'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await rejection(unlinkat(dfd, 'sub', 0))).code).toBe('EISDIR');
    expect((await rejection(unlinkat(dfd, 'sub', AT.REMOVEDIR))).code).toBe('ENOTEMPTY');
  });

  it('fchmodat changes modes; bad modes are refused', async () => {
    await writeFile(join(dir, 'f'), '');
    await fchmodat(dirHandle.fd, 'f', 0o4755);
    expect((await stat(join(dir, 'f'))).mode & 0o7777).toBe(0o4755);
    fchmodatSync(AT.FDCWD, join(dir, 'f'), 0o600);
    expect((await stat(join(dir, 'f'))).mode & 0o7777).toBe(0o600);
    await fchmodat(dirHandle.fd, 'f', constants.S_IFREG | 0o644); // file-type bits are ignored, as by fs.chmod
    expect((await stat(join(dir, 'f'))).mode & 0o7777).toBe(0o644);
    expect((await rejection(fchmodat(dirHandle.fd, 'f', -1))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(fchmodat(dirHandle.fd, 'f', 2 ** 32))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(fchmodat(dirHandle.fd, 'none', 0o600))).code).toBe('ENOENT');
  });

  it('fchownat changes owners, on a symlink itself with AT_SYMLINK_NOFOLLOW', async (ctx) => {
    requireRoot(ctx);
    await writeFile(join(dir, 'f'), '');
    await symlink('f', join(dir, 'l'));
    await fchownat(dirHandle.fd, 'f', 1234, 5678, 0);
    expect(await stat(join(dir, 'f'))).toMatchObject({ uid: 1234, gid: 5678 });
    fchownatSync(dirHandle.fd, 'l', 42, 43, AT.SYMLINK_NOFOLLOW);
    expect(await lstat(join(dir, 'l'))).toMatchObject({ uid: 42, gid: 43 });
    expect(await stat(join(dir, 'f'))).toMatchObject({ uid: 1234, gid: 5678 });
    await fchownat(dirHandle.fd, 'f', -1, 99, 0); // -1 keeps the uid
    expect(await stat(join(dir, 'f'))).toMatchObject({ uid: 1234, gid: 99 });
    expect((await rejection(fchownat(dirHandle.fd, 'f', -2, 0, 0))).code).toBe('ERR_OUT_OF_RANGE');
  });

  it('fchownat as an unprivileged operation fails with EPERM or succeeds as root', async () => {
    await writeFile(join(dir, 'g'), '');
    const result = await fchownat(dirHandle.fd, 'g', 4321, 4321, 0).then(() => 'ok', (e: NodeJS.ErrnoException) => e.code);
    expect(result).toBe(process.getuid?.() === 0 ? 'ok' : 'EPERM');
  });
});
