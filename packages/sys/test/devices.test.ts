import { lstat, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AT, SysError, major, makedev, minor, mknod, mknodSync, mknodat, mknodatSync } from '../src/index.js';
import { makeTempDir, rejection, removeDir, requireRoot, thrown } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('makedev / major / minor', () => {
  it('round-trips and matches what stat reports for /dev/null (1,3)', async () => {
    const st = await stat('/dev/null');
    expect(major(st.rdev)).toBe(1);
    expect(minor(st.rdev)).toBe(3);
    expect(makedev(1, 3)).toBe(st.rdev);
    const big = makedev(259, 70000); // minor above 8 bits and major above 8 bits use the split encoding
    expect([major(big), minor(big)]).toEqual([259, 70000]);
    expect(makedev(0, 0)).toBe(0);
  });

  it('rejects bad numbers', () => {
    expect(thrown(() => makedev(-1, 0)).code).toBe('ERR_OUT_OF_RANGE');
    expect(thrown(() => makedev(1.5, 0)).code).toBe('ERR_OUT_OF_RANGE');
    expect(thrown(() => major(2 ** 63)).code).toBe('ERR_OUT_OF_RANGE');
    expect(major(2n ** 62n as unknown as number)).toBe(major(Number(2n ** 62n))); // bigint accepted too
    expect(thrown(() => major('1' as unknown as number)).code).toBe('ERR_INVALID_ARG_TYPE');
  });
});

describe('mknod', () => {
  it('makes a 0/0 character device (an overlay whiteout)', async (ctx) => {
    requireRoot(ctx);
    const path = join(dir, 'whiteout');
    await mknod(path, constants.S_IFCHR | 0o644, makedev(0, 0));
    const st = await lstat(path);
    expect(st.isCharacterDevice()).toBe(true);
    expect(st.rdev).toBe(0);
    expect(st.mode & 0o7777).toBe(0o644 & ~process.umask());
  });

  it('makes a 1/3 character device that behaves like /dev/null', async (ctx) => {
    requireRoot(ctx);
    const path = join(dir, 'null');
    mknodSync(path, constants.S_IFCHR | 0o666, makedev(1, 3));
    const st = await stat(path);
    expect([major(st.rdev), minor(st.rdev)]).toEqual([1, 3]);
    const fh = await open(path, 'r');
    const { bytesRead } = await fh.read(Buffer.alloc(4), 0, 4, 0);
    await fh.close();
    expect(bytesRead).toBe(0);
  });

  it('makes a fifo', async () => {
    const path = join(dir, 'fifo');
    await mknod(path, constants.S_IFIFO | 0o600, 0);
    expect((await lstat(path)).isFIFO()).toBe(true);
  });

  it('fails with EEXIST shaped like a Node fs error', async () => {
    const path = join(dir, 'fifo');
    await mknod(path, constants.S_IFIFO | 0o600, 0);
    const err = await rejection(mknod(path, constants.S_IFIFO | 0o600, 0));
    expect(err).toBeInstanceOf(SysError);
    expect(err).toMatchObject({ code: 'EEXIST', errno: -17, syscall: 'mknod', path });
    expect(err.message).toBe(`EEXIST: file exists, mknod '${path}'`);
    const syncErr = thrown(() => mknodSync(path, constants.S_IFIFO | 0o600, 0));
    expect(syncErr).toMatchObject({ code: 'EEXIST', syscall: 'mknod', path });
  });

  it('mknodat creates relative to a directory fd', async () => {
    const dh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
    try {
      await mknodat(dh.fd, 'p1', constants.S_IFIFO | 0o600, 0);
      mknodatSync(dh.fd, 'p2', constants.S_IFIFO | 0o600, 0);
      expect((await lstat(join(dir, 'p1'))).isFIFO()).toBe(true);
      expect((await lstat(join(dir, 'p2'))).isFIFO()).toBe(true);
      const err = await rejection(mknodat(dh.fd, 'missing/p3', constants.S_IFIFO | 0o600, 0));
      expect(err).toMatchObject({ code: 'ENOENT', syscall: 'mknodat', path: 'missing/p3' });
      // AT_FDCWD works as a dirfd too
      await mknodat(AT.FDCWD, join(dir, 'p4'), constants.S_IFIFO | 0o600, 0);
      expect((await lstat(join(dir, 'p4'))).isFIFO()).toBe(true);
    } finally {
      await dh.close();
    }
  });

  it('rejects bad arguments through the promise', async () => {
    expect((await rejection(mknod(join(dir, 'x'), -1, 0))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(mknod(42 as unknown as string, 0o600, 0))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(mknodat(-5, 'x', constants.S_IFIFO, 0))).code).toBe('ERR_OUT_OF_RANGE');
    // EINVAL from the kernel: a socket type is not something mknod makes here without a type bit
    const err = await rejection(mknod(join(dir, 'bad'), 0o170000, 0));
    expect(err.code).toBe('EINVAL');
  });
});
