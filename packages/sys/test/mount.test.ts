import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { lstat, mkdir, open, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MNT, MS, lgetxattr, mount, umount2 } from '../src/index.js';
import { makeTempDir, rejection, removeDir, requireRoot } from './helpers.js';

const addonPath = fileURLToPath(new URL('../build/Release/cs_sys.node', import.meta.url));

let dir: string;
const mounted: string[] = [];

beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  // unmount even when the test failed half-way, innermost first
  for (const target of mounted.splice(0).reverse()) {
    await umount2(target, MNT.DETACH).catch(() => {});
  }
  await removeDir(dir);
});

async function mountInfo(target: string): Promise<string | undefined> {
  const lines = (await readFile('/proc/self/mountinfo', 'utf8')).split('\n');
  return lines.find((line) => line.split(' ')[4] === target);
}

async function mountTracked(source: string | null, target: string, fstype: string | null, flags: number, data?: string) {
  await mount(source, target, fstype, flags, data);
  mounted.push(target);
}

describe('mount / umount2', () => {
  it('mounts a tmpfs with options and unmounts it', async (ctx) => {
    requireRoot(ctx);
    const target = join(dir, 'mnt');
    await mkdir(target);
    await mountTracked('tmpfs', target, 'tmpfs', MS.NOSUID | MS.NODEV, 'size=1m,mode=0700');
    const info = await mountInfo(target);
    expect(info).toMatch(/ - tmpfs tmpfs /);
    expect(info).toMatch(/nosuid,nodev/);
    expect((await lstat(target)).mode & 0o777).toBe(0o700);
    await writeFile(join(target, 'f'), 'in tmpfs');
    await umount2(target);
    mounted.pop();
    expect(await mountInfo(target)).toBeUndefined();
    expect(await readdir(target)).toEqual([]); // the file lived in the tmpfs
  });

  it('MS.RDONLY makes a read-only mount; MS.BIND | MS.REMOUNT flips it', async (ctx) => {
    requireRoot(ctx);
    const target = join(dir, 'ro');
    await mkdir(target);
    await mountTracked('tmpfs', target, 'tmpfs', MS.RDONLY);
    await expect(writeFile(join(target, 'f'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    await mount(null, target, null, MS.REMOUNT, '');
    await writeFile(join(target, 'f'), 'x');
  });

  it('bind-mounts a directory', async (ctx) => {
    requireRoot(ctx);
    const source = join(dir, 'src');
    const target = join(dir, 'dst');
    await mkdir(source);
    await mkdir(target);
    await writeFile(join(source, 'seen'), 'through the bind');
    await mountTracked(source, target, null, MS.BIND);
    expect(await readFile(join(target, 'seen'), 'utf8')).toBe('through the bind');
  });

  it('mounts an overlay: merged view, copy-up, whiteouts', async (ctx) => {
    requireRoot(ctx);
    const [lower, upper, work, merged] = ['lower', 'upper', 'work', 'merged'].map((n) => join(dir, n)) as [string, string, string, string];
    for (const d of [lower, upper, work, merged]) await mkdir(d);
    await writeFile(join(lower, 'a'), 'lower a');
    await writeFile(join(lower, 'b'), 'lower b');
    await writeFile(join(upper, 'b'), 'upper b');
    await writeFile(join(upper, 'c'), 'upper c');
    await mountTracked('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
    expect(await mountInfo(merged)).toMatch(/ - overlay overlay /);
    expect((await readdir(merged)).sort()).toEqual(['a', 'b', 'c']);
    expect(await readFile(join(merged, 'a'), 'utf8')).toBe('lower a');
    expect(await readFile(join(merged, 'b'), 'utf8')).toBe('upper b');

    await writeFile(join(merged, 'd'), 'new');
    expect(await readFile(join(upper, 'd'), 'utf8')).toBe('new');
    await rm(join(merged, 'a'));
    const whiteout = await lstat(join(upper, 'a'));
    expect(whiteout.isCharacterDevice() && whiteout.rdev === 0).toBe(true);
    expect(await readFile(join(lower, 'a'), 'utf8')).toBe('lower a');

    await rm(join(merged, 'b'));
    await mkdir(join(merged, 'b')); // a directory replacing a whiteout becomes opaque
    expect((await lgetxattr(join(upper, 'b'), 'trusted.overlay.opaque')).toString()).toBe('y');

    await umount2(merged);
    mounted.pop();
    expect(await readdir(merged)).toEqual([]);
  });

  it('a busy mount refuses plain umount (EBUSY) but MNT.DETACH unmounts it lazily', async (ctx) => {
    requireRoot(ctx);
    const target = join(dir, 'busy');
    await mkdir(target);
    await mountTracked('tmpfs', target, 'tmpfs', 0);
    await mkdir(join(target, 'sub'));
    // a mount inside the mount keeps it busy
    await mountTracked('tmpfs', join(target, 'sub'), 'tmpfs', 0);
    const fh = await open(join(target, 'sub'), 'r');
    try {
      const err = await rejection(umount2(target));
      expect(err).toMatchObject({ code: 'EBUSY', errno: -16, syscall: 'umount2', path: target });
      expect(err.message).toBe(`EBUSY: device or resource busy, umount2 '${target}'`);
      await umount2(target, MNT.DETACH);
      mounted.splice(0);
      expect(await mountInfo(target)).toBeUndefined();
      expect(await mountInfo(join(target, 'sub'))).toBeUndefined();
    } finally {
      await fh.close();
    }
  });

  it('reports mount errors like Node fs errors', async (ctx) => {
    requireRoot(ctx);
    const missing = join(dir, 'missing');
    const err = await rejection(mount('tmpfs', missing, 'tmpfs', 0));
    expect(err).toMatchObject({ code: 'ENOENT', errno: -2, syscall: 'mount', path: missing });
    expect(err.message).toBe(`ENOENT: no such file or directory, mount '${missing}'`);
    const target = join(dir, 't');
    await mkdir(target);
    expect((await rejection(mount('none', target, 'no-such-fs', 0))).code).toBe('ENODEV');
    expect((await rejection(umount2(target))).code).toBe('EINVAL'); // not a mount point
    expect((await rejection(umount2(target, MNT.FORCE | MNT.EXPIRE))).code).toBe('EINVAL');
  });

  it('rejects bad arguments before any syscall', async () => {
    expect((await rejection(mount('tmpfs', dir, 'tmpfs', -1))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(mount('tmpfs', dir, 'tmpfs', 0, 5 as unknown as string))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(mount('tmpfs', undefined as unknown as string, 'tmpfs', 0))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(umount2(`${dir}\0`))).code).toBe('ERR_INVALID_ARG_VALUE');
  });

  it('without CAP_SYS_ADMIN mount fails with EPERM (a child process running as nobody)', async (ctx) => {
    requireRoot(ctx); // needs root to switch to another uid
    const child = spawn(process.execPath, ['-e', [
      `const sys = require(${JSON.stringify(addonPath)});`,
      "sys.mount('tmpfs', '/mnt', 'tmpfs', 0).then(() => console.log('mounted'),",
      '  (e) => console.log(JSON.stringify({ code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, message: e.message })));',
    ].join('\n')], { uid: 65534, gid: 65534, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    for await (const chunk of child.stdout) out += String(chunk);
    expect(JSON.parse(out)).toEqual({
      code: 'EPERM', errno: -1, syscall: 'mount', path: '/mnt', message: "EPERM: operation not permitted, mount '/mnt'",
    });
  });
});
