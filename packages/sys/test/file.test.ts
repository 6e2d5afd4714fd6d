import { spawnSync } from 'node:child_process';
import { chmodSync, closeSync, constants, copyFileSync, fstatSync, lstatSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  FILE_ATTR, FILE_FLAG, SysError, crc64IsoUpdate, fileAttrs, fileCreateAtSync, fileFinishSync, fileWriteSync, lgetxattrSync,
  setAttrsAtSync,
} from '../src/index.js';
import { isRoot, makeTempDir, removeDir, requireRoot, thrown } from './helpers.js';

const O_PATH = 0o10000000;
/** The built package, for the child process that runs as another user (copied where that user can read it). */
const DIST = fileURLToPath(new URL('../dist/index.js', import.meta.url));
const ADDON = fileURLToPath(new URL('../build/Release/cs_sys.node', import.meta.url));
let dir: string;
let dfd: number;
beforeEach(async () => {
  dir = await makeTempDir();
  dfd = openSync(dir, O_PATH | constants.O_DIRECTORY);
});
afterEach(async () => {
  closeSync(dfd);
  await removeDir(dir);
});

function attrs(fields: Partial<Record<Exclude<keyof typeof FILE_ATTR, 'LENGTH'>, number>>): Float64Array {
  const a = fileAttrs();
  for (const [k, v] of Object.entries(fields)) a[FILE_ATTR[k as keyof typeof FILE_ATTR]] = v;
  return a;
}

function crcOf(...parts: Buffer[]): Uint32Array {
  const c = new Uint32Array(2);
  for (const p of parts) crc64IsoUpdate(c, p);
  return c;
}

describe('fileCreateAtSync', () => {
  it('creates, writes, sets owner, mode and times, and closes in one call', () => {
    const data = Buffer.from('hello world');
    const crc = new Uint32Array(2);
    const a = attrs({
      FLAGS: FILE_FLAG.CHMOD | FILE_FLAG.TIMES | (isRoot ? FILE_FLAG.CHOWN : 0),
      MODE: 0o600, UID: 1234, GID: 5678, CHMOD: 0o4751,
      ATIME_SEC: 1_600_000_000, ATIME_NSEC: 5, MTIME_SEC: 1_500_000_000, MTIME_NSEC: 123_456_789,
    });
    expect(fileCreateAtSync(dfd, Buffer.from('f'), data, a, crc)).toBe(-1);
    const st = lstatSync(join(dir, 'f'), { bigint: true }); // before reading it moves atime
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('hello world');
    expect(Number(st.mode) & 0o7777).toBe(0o4751); // chmod after chown keeps setuid
    if (isRoot) expect([Number(st.uid), Number(st.gid)]).toEqual([1234, 5678]);
    expect(st.mtimeNs).toBe(1_500_000_000_123_456_789n);
    expect(st.atimeNs).toBe(1_600_000_000_000_000_005n);
    expect([...crc]).toEqual([...crcOf(data)]);
  });

  it('without flags only creates and writes (mode through the umask), and takes a string name and no data', () => {
    expect(fileCreateAtSync(dfd, 'empty', null, attrs({ MODE: 0o644 }))).toBe(-1);
    const st = lstatSync(join(dir, 'empty'));
    expect(st.size).toBe(0);
    expect(st.mode & 0o777).toBe(0o644 & ~process.umask());
  });

  it('KEEP_OPEN returns the fd; fileWriteSync appends (CRC carried on), fileFinishSync sets attributes and closes', () => {
    const parts = [Buffer.alloc(70000, 0x61), Buffer.alloc(3, 0x62), Buffer.from('end')];
    const crc = new Uint32Array(2);
    const fd = fileCreateAtSync(dfd, 'big', parts[0]!, attrs({ FLAGS: FILE_FLAG.KEEP_OPEN, MODE: 0o600 }), crc);
    expect(fd).toBeGreaterThan(2);
    fileWriteSync(fd, parts[1]!, crc);
    fileWriteSync(fd, parts[2]!, crc);
    fileFinishSync(fd, attrs({ FLAGS: FILE_FLAG.CHMOD | FILE_FLAG.TIMES, CHMOD: 0o640, MTIME_SEC: 86400, ATIME_SEC: 86401 }));
    expect(() => fstatSync(fd)).toThrow(/EBADF/);
    expect(readFileSync(join(dir, 'big')).equals(Buffer.concat(parts))).toBe(true);
    const st = lstatSync(join(dir, 'big'));
    expect(st.mode & 0o7777).toBe(0o640);
    expect(st.mtimeMs).toBe(86400_000);
    expect([...crc]).toEqual([...crcOf(...parts)]);
  });

  it('never follows or replaces what is there: EEXIST for a file, a symlink (even dangling) and a directory', () => {
    writeFileSync(join(dir, 'file'), 'old');
    symlinkSync('/etc/passwd', join(dir, 'link'));
    symlinkSync(join(dir, 'nowhere'), join(dir, 'dangling'));
    mkdirSync(join(dir, 'sub'));
    for (const name of ['file', 'link', 'dangling', 'sub', '..', '.']) {
      const err = thrown(() => fileCreateAtSync(dfd, name, Buffer.from('x'), attrs({ MODE: 0o644 })));
      expect(err).toBeInstanceOf(SysError);
      expect(err).toMatchObject({ syscall: 'openat', path: name });
      expect(['EEXIST', 'EISDIR']).toContain(err.code);
    }
    expect(readFileSync(join(dir, 'file'), 'utf8')).toBe('old');
    expect(lstatSync(join(dir, 'nowhere'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('takes one path component only', () => {
    mkdirSync(join(dir, 'sub'));
    for (const name of ['sub/f', '', '/etc/x', 'a\0b']) {
      expect(thrown(() => fileCreateAtSync(dfd, name, null, attrs({ MODE: 0o644 })))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    }
    expect(lstatSync(join(dir, 'sub/f'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('rejects bad argument types before creating anything', () => {
    expect(thrown(() => fileCreateAtSync(dfd, 'a', 'text' as never, attrs({})))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(thrown(() => fileCreateAtSync(dfd, 'a', null, new Float64Array(3)))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(thrown(() => fileCreateAtSync(dfd, 'a', null, attrs({}), new Uint32Array(1)))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(thrown(() => fileCreateAtSync('x' as never, 'a', null, attrs({})))).toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
    expect(lstatSync(join(dir, 'a'), { throwIfNoEntry: false })).toBeUndefined();
  });

  it('reports a failed step with its call and closes the fd (EBADF dirfd, ENOENT below a missing dir)', () => {
    expect(thrown(() => fileCreateAtSync(999_999, 'a', null, attrs({})))).toMatchObject({ code: 'EBADF', syscall: 'openat' });
    const sub = openSync(dir, O_PATH | constants.O_DIRECTORY);
    closeSync(sub);
    expect(thrown(() => fileCreateAtSync(sub, 'a', null, attrs({})))).toMatchObject({ code: 'EBADF' });
  });

  it('sets xattrs after the owner and before the mode; unsupported names are skipped as upstream does', (ctx) => {
    requireRoot(ctx);
    const a = attrs({ FLAGS: FILE_FLAG.CHOWN | FILE_FLAG.CHMOD, MODE: 0o600, UID: 0, GID: 0, CHMOD: 0o755 });
    fileCreateAtSync(dfd, 'x', Buffer.from('data'), a, null, [
      ['user.one', Buffer.from('1')],
      ['trusted.two', Buffer.from([0, 255])],
    ]);
    const p = join(dir, 'x');
    expect(lgetxattrSync(p, 'user.one').toString()).toBe('1');
    expect([...lgetxattrSync(p, 'trusted.two')]).toEqual([0, 255]);
    // an unknown namespace is "not supported": skipped
    fileCreateAtSync(dfd, 'w', null, attrs({ MODE: 0o600 }), null, [['bogus.name', Buffer.from('v')]]);
    const err = thrown(() => fileCreateAtSync(dfd, 'y', null, attrs({ MODE: 0o600 }), null, [['user.big', Buffer.alloc(70000)]]));
    expect(err).toMatchObject({ code: 'E2BIG', syscall: 'fsetxattr', path: 'y' });
    // the failed file is closed (and left for the caller to remove)
    expect(lstatSync(join(dir, 'y')).isFile()).toBe(true);
    expect(thrown(() => fileCreateAtSync(dfd, 'z', null, attrs({}), null, [['', Buffer.from('v')]]))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });

  it('a failed chown is an error unless IGNORE_CHOWN_ERRORS (run as an unprivileged user)', (ctx) => {
    requireRoot(ctx); // to switch to "nobody" for the child
    chmodSync(dir, 0o777);
    // the checkout may sit below a directory "nobody" cannot enter (/root): a world-readable copy
    const pkg = join(dir, 'pkg');
    mkdirSync(join(pkg, 'dist'), { recursive: true });
    mkdirSync(join(pkg, 'build/Release'), { recursive: true });
    writeFileSync(join(pkg, 'package.json'), '{"type":"module"}');
    copyFileSync(DIST, join(pkg, 'dist/index.js'));
    copyFileSync(ADDON, join(pkg, 'build/Release/cs_sys.node'));
    const work = join(dir, 'work');
    mkdirSync(work);
    chmodSync(work, 0o777);
    const script = `
      import { openSync } from 'node:fs';
      import { FILE_ATTR, FILE_FLAG, fileAttrs, fileCreateAtSync } from ${JSON.stringify(join(pkg, 'dist/index.js'))};
      const dfd = openSync(${JSON.stringify(work)}, 'r');
      const a = fileAttrs();
      a[FILE_ATTR.FLAGS] = FILE_FLAG.CHOWN; a[FILE_ATTR.MODE] = 0o600;
      let failed;
      try { fileCreateAtSync(dfd, 'c', null, a); } catch (e) { failed = { code: e.code, syscall: e.syscall, path: e.path }; }
      a[FILE_ATTR.FLAGS] = FILE_FLAG.CHOWN | FILE_FLAG.IGNORE_CHOWN_ERRORS;
      console.log(JSON.stringify({ failed, ignored: fileCreateAtSync(dfd, 'd', null, a) }));`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { uid: 65534, gid: 65534, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ failed: { code: 'EPERM', syscall: 'fchown', path: 'c' }, ignored: -1 });
    expect(lstatSync(join(work, 'd')).uid).toBe(65534);
  });
});

describe('setAttrsAtSync', () => {
  it('sets owner, mode and times of a directory without following a final symlink', () => {
    mkdirSync(join(dir, 'd'));
    setAttrsAtSync(dfd, 'd', attrs({ FLAGS: FILE_FLAG.CHMOD | FILE_FLAG.TIMES | (isRoot ? FILE_FLAG.CHOWN : 0), UID: 7, GID: 8, CHMOD: 0o1750, MTIME_SEC: 1000, MTIME_NSEC: 7 }));
    const st = lstatSync(join(dir, 'd'), { bigint: true });
    expect(Number(st.mode) & 0o7777).toBe(0o1750);
    expect(st.mtimeNs).toBe(1_000_000_000_007n);
    if (isRoot) expect([Number(st.uid), Number(st.gid)]).toEqual([7, 8]);

    writeFileSync(join(dir, 'target'), 't');
    symlinkSync('target', join(dir, 'l'));
    setAttrsAtSync(dfd, 'l', attrs({ FLAGS: FILE_FLAG.TIMES | (isRoot ? FILE_FLAG.CHOWN : 0), UID: 9, GID: 9, MTIME_SEC: 2000 }));
    expect(lstatSync(join(dir, 'l')).mtimeMs).toBe(2_000_000);
    expect(lstatSync(join(dir, 'target')).mtimeMs).not.toBe(2_000_000);
    if (isRoot) expect(lstatSync(join(dir, 'target')).uid).toBe(0);
  });

  it('sets xattrs on the object itself, and reports failures with the call and name', (ctx) => {
    requireRoot(ctx);
    mkdirSync(join(dir, 'd'));
    setAttrsAtSync(dfd, 'd', attrs({}), [['trusted.overlay.opaque', Buffer.from('y')]]);
    expect(lgetxattrSync(join(dir, 'd'), 'trusted.overlay.opaque').toString()).toBe('y');
    expect(thrown(() => setAttrsAtSync(dfd, 'missing', attrs({ FLAGS: FILE_FLAG.TIMES })))).toMatchObject({ code: 'ENOENT', syscall: 'utimensat', path: 'missing' });
    expect(thrown(() => setAttrsAtSync(dfd, 'd/x', attrs({})))).toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
  });
});

describe('fileWriteSync / fileFinishSync', () => {
  it('report errors of the fd they are given', () => {
    const fd = openSync(join(dir, 'ro'), 'w');
    closeSync(fd);
    const ro = openSync(join(dir, 'ro'), 'r');
    try {
      expect(thrown(() => fileWriteSync(ro, Buffer.from('x')))).toMatchObject({ code: 'EBADF', syscall: 'write' });
    } finally {
      closeSync(ro);
    }
    expect(thrown(() => fileFinishSync(ro, attrs({ FLAGS: FILE_FLAG.TIMES })))).toMatchObject({ code: 'EBADF', syscall: 'futimens' });
  });
});
