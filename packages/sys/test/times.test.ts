import { constants } from 'node:fs';
import { lstat, open, stat, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AT, futimens, futimensSync, lutimens, lutimensSync, utimensat, utimensatSync } from '../src/index.js';
import { makeTempDir, rejection, removeDir, thrown } from './helpers.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await makeTempDir();
  file = join(dir, 'file');
  await writeFile(file, 'x');
});
afterEach(async () => {
  await removeDir(dir);
});

const A = 1_600_000_000_123_456_789n; // odd nanoseconds survive only with real ns precision
const M = 1_500_000_000_987_654_321n;

describe('lutimens', () => {
  it('sets both times to the nanosecond (read back with bigint stat)', async () => {
    await lutimens(file, A, M);
    const st = await stat(file, { bigint: true });
    expect(st.atimeNs).toBe(A);
    expect(st.mtimeNs).toBe(M);
  });

  it('null leaves a time unchanged (UTIME_OMIT)', async () => {
    await lutimens(file, A, M);
    await lutimens(file, null, M + 1n);
    let st = await stat(file, { bigint: true });
    expect([st.atimeNs, st.mtimeNs]).toEqual([A, M + 1n]);
    lutimensSync(file, A + 5n, null);
    st = await stat(file, { bigint: true });
    expect([st.atimeNs, st.mtimeNs]).toEqual([A + 5n, M + 1n]);
  });

  it('handles times before 1970', async () => {
    const before = -1_000_000_001n; // 1969-12-31T23:59:58.999999999Z
    await lutimens(file, before, before);
    const st = await stat(file, { bigint: true });
    expect(st.mtimeNs).toBe(before);
  });

  it('changes a symlink itself and not its target', async () => {
    const link = join(dir, 'link');
    await symlink('file', link);
    await lutimens(file, A, M);
    await lutimens(link, A + 1n, M + 1n);
    const linkSt = await lstat(link, { bigint: true });
    const targetSt = await stat(file, { bigint: true });
    expect([linkSt.atimeNs, linkSt.mtimeNs]).toEqual([A + 1n, M + 1n]);
    expect([targetSt.atimeNs, targetSt.mtimeNs]).toEqual([A, M]);
  });

  it('works on a dangling symlink', async () => {
    const link = join(dir, 'dangling');
    await symlink('nowhere', link);
    await lutimens(link, A, M);
    expect((await lstat(link, { bigint: true })).mtimeNs).toBe(M);
  });

  it('errors look like Node fs errors', async () => {
    const missing = join(dir, 'missing');
    const err = await rejection(lutimens(missing, A, M));
    expect(err).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'utimensat', path: missing });
    expect(err.message).toBe(`ENOENT: no such file or directory, utimensat '${missing}'`);
    expect((await rejection(lutimens(file, 5 as unknown as bigint, null))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(lutimens(file, 2n ** 70n, null))).code).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('utimensat and futimens', () => {
  it('utimensat relative to a dirfd, following or not', async () => {
    const link = join(dir, 'link');
    await symlink('file', link);
    const dh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await utimensat(dh.fd, 'link', A, M); // follows by default
      expect((await stat(file, { bigint: true })).mtimeNs).toBe(M);
      utimensatSync(dh.fd, 'link', A, M + 7n, AT.SYMLINK_NOFOLLOW);
      expect((await lstat(link, { bigint: true })).mtimeNs).toBe(M + 7n);
      expect((await stat(file, { bigint: true })).mtimeNs).toBe(M);
      expect(thrown(() => utimensatSync(dh.fd, 'missing', A, M))).toMatchObject({ code: 'ENOENT', path: 'missing' });
    } finally {
      await dh.close();
    }
  });

  it('futimens sets times through an fd', async () => {
    const fh = await open(file, 'r+');
    const fd = fh.fd;
    try {
      await futimens(fh.fd, A, M);
      expect((await stat(file, { bigint: true })).atimeNs).toBe(A);
      futimensSync(fh.fd, null, M + 9n);
      const st = await stat(file, { bigint: true });
      expect([st.atimeNs, st.mtimeNs]).toEqual([A, M + 9n]);
    } finally {
      await fh.close();
    }
    expect((await rejection(futimens(fd, A, M))).code).toBe('EBADF'); // closed by now
  });
});
