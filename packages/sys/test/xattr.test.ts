import { constants } from 'node:fs';
import { open, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  XATTR, fgetxattr, fgetxattrSync, flistxattr, flistxattrSync, fremovexattr, fremovexattrSync, fsetxattr,
  fsetxattrSync, lgetxattr, lgetxattrSync, llistxattr, llistxattrSync, lremovexattr, lremovexattrSync, lsetxattr,
  lsetxattrSync,
} from '../src/index.js';
import { makeTempDir, rejection, removeDir, requireRoot, thrown } from './helpers.js';

let dir: string;
let file: string;
beforeEach(async () => {
  dir = await makeTempDir();
  file = join(dir, 'file');
  await writeFile(file, 'data');
});
afterEach(async () => {
  await removeDir(dir);
});

describe('l*xattr on paths', () => {
  it('sets, gets, lists and removes user.* attributes', async () => {
    const value = Buffer.from([0, 1, 2, 255, 0]);
    await lsetxattr(file, 'user.a', value);
    await lsetxattr(file, 'user.empty', new Uint8Array(0));
    expect(await lgetxattr(file, 'user.a')).toEqual(value);
    expect((await lgetxattr(file, 'user.empty')).length).toBe(0);
    expect((await llistxattr(file)).sort()).toEqual(['user.a', 'user.empty']);
    await lremovexattr(file, 'user.a');
    expect(await llistxattr(file)).toEqual(['user.empty']);
  });

  it('handles values larger than a small first guess (3000 bytes)', async () => {
    const value = Buffer.alloc(3000, 7);
    await lsetxattr(file, 'user.big', value);
    expect((await lgetxattr(file, 'user.big')).equals(value)).toBe(true);
  });

  it('sets trusted.* attributes as root (overlay opaque marker)', async (ctx) => {
    requireRoot(ctx);
    await lsetxattr(dir, 'trusted.overlay.opaque', Buffer.from('y'));
    expect((await lgetxattr(dir, 'trusted.overlay.opaque')).toString()).toBe('y');
    expect(await llistxattr(dir)).toContain('trusted.overlay.opaque');
  });

  it('works on a symlink itself, never on its target', async (ctx) => {
    requireRoot(ctx); // user.* is not allowed on symlinks, so this uses trusted.*
    const link = join(dir, 'link');
    await symlink('file', link);
    await lsetxattr(link, 'trusted.on-link', Buffer.from('L'));
    await lsetxattr(file, 'trusted.on-target', Buffer.from('T'));
    expect(await llistxattr(link)).toEqual(['trusted.on-link']);
    expect(await llistxattr(file)).toEqual(['trusted.on-target']);
    expect((await lgetxattr(link, 'trusted.on-link')).toString()).toBe('L');
    expect((await rejection(lgetxattr(link, 'trusted.on-target'))).code).toBe('ENODATA');
    await lremovexattr(link, 'trusted.on-link');
    expect(await llistxattr(link)).toEqual([]);
    expect(await llistxattr(file)).toEqual(['trusted.on-target']);
  });

  it('user.* on a symlink is refused by the kernel (EPERM), proving no follow', async () => {
    const link = join(dir, 'link');
    await symlink('file', link);
    const err = await rejection(lsetxattr(link, 'user.x', Buffer.from('1')));
    expect(err).toMatchObject({ code: 'EPERM', syscall: 'lsetxattr', path: link });
  });

  it('a missing attribute rejects with ENODATA in Node error shape', async () => {
    const err = await rejection(lgetxattr(file, 'user.none'));
    expect(err).toMatchObject({ code: 'ENODATA', errno: -61, syscall: 'lgetxattr', path: file });
    expect(err.message).toBe(`ENODATA: no data available, lgetxattr '${file}'`);
    expect((await rejection(lremovexattr(file, 'user.none'))).code).toBe('ENODATA');
    expect((await rejection(llistxattr(join(dir, 'missing')))).code).toBe('ENOENT');
  });

  it('honours XATTR.CREATE and XATTR.REPLACE', async () => {
    expect((await rejection(lsetxattr(file, 'user.r', Buffer.from('1'), XATTR.REPLACE))).code).toBe('ENODATA');
    await lsetxattr(file, 'user.r', Buffer.from('1'), XATTR.CREATE);
    expect((await rejection(lsetxattr(file, 'user.r', Buffer.from('2'), XATTR.CREATE))).code).toBe('EEXIST');
    await lsetxattr(file, 'user.r', Buffer.from('3'), XATTR.REPLACE);
    expect((await lgetxattr(file, 'user.r')).toString()).toBe('3');
  });

  it('accepts raw-byte (non-UTF-8) paths as Buffers', async () => {
    const raw = Buffer.concat([Buffer.from(dir + '/'), Buffer.from([0x66, 0xff, 0xfe, 0x6f])]);
    const fh = await open(raw, constants.O_CREAT | constants.O_WRONLY, 0o600);
    await fh.close();
    await lsetxattr(raw, 'user.raw', Buffer.from('ok'));
    expect((await lgetxattr(raw, 'user.raw')).toString()).toBe('ok');
    // the same name decoded as UTF-8 is a different (missing) file
    expect((await rejection(lgetxattr(raw.toString('utf8'), 'user.raw'))).code).toBe('ENOENT');
  });

  it('sync twins behave the same', () => {
    lsetxattrSync(file, 'user.s', Buffer.from('sync'));
    expect(lgetxattrSync(file, 'user.s').toString()).toBe('sync');
    expect(llistxattrSync(file)).toEqual(['user.s']);
    lremovexattrSync(file, 'user.s');
    expect(thrown(() => lgetxattrSync(file, 'user.s'))).toMatchObject({ code: 'ENODATA', syscall: 'lgetxattr' });
  });

  it('rejects bad arguments', async () => {
    expect((await rejection(lsetxattr(file, 'user.x', 'str' as unknown as Uint8Array))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(lgetxattr(file, 5 as unknown as string))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(lgetxattr(`${file}\0x`, 'user.x'))).code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await rejection(lsetxattr(file, 'user.x', Buffer.from('1'), 8))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(lsetxattr(file, 'bogus.x', Buffer.from('1')))).code).toBe('EOPNOTSUPP');
  });
});

describe('f*xattr on file descriptors', () => {
  it('sets, gets, lists and removes through an fd', async () => {
    const fh = await open(file, 'r+');
    try {
      await fsetxattr(fh.fd, 'user.f', Buffer.from('fd'));
      fsetxattrSync(fh.fd, 'user.g', Buffer.from('gd'));
      expect((await fgetxattr(fh.fd, 'user.f')).toString()).toBe('fd');
      expect(fgetxattrSync(fh.fd, 'user.g').toString()).toBe('gd');
      expect((await flistxattr(fh.fd)).sort()).toEqual(['user.f', 'user.g']);
      expect(flistxattrSync(fh.fd).length).toBe(2);
      await fremovexattr(fh.fd, 'user.f');
      fremovexattrSync(fh.fd, 'user.g');
      expect(await flistxattr(fh.fd)).toEqual([]);
      expect(await lgetxattr(file, 'user.f').catch((e: NodeJS.ErrnoException) => e.code)).toBe('ENODATA');
      const err = await rejection(fgetxattr(fh.fd, 'user.f'));
      expect(err).toMatchObject({ code: 'ENODATA', syscall: 'fgetxattr' });
      expect(err.path).toBeUndefined();
    } finally {
      await fh.close();
    }
  });

  it('a closed fd gives EBADF', async () => {
    const fh = await open(file, 'r');
    const fd = fh.fd;
    await fh.close();
    expect((await rejection(fgetxattr(fd, 'user.f'))).code).toBe('EBADF');
    expect((await rejection(fgetxattr(-1, 'user.f'))).code).toBe('ERR_OUT_OF_RANGE');
  });
});
