import { lstat, readFile, readlink, stat } from 'node:fs/promises';
import { join } from 'node:path';
import * as sys from '@cs/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { applyInto } from './apply-helpers.js';
import { isRoot, skipNote, tempDirs } from './helpers.js';
import { dir, file, hardlink, symlink, tar } from './tar-builder.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
const NS = 1_000_000_000n;
const ls = (p: string) => lstat(p, { bigint: true });
// security.capability v2 blob granting cap_net_bind_service (bit 10) permitted
const CAP = Buffer.from([0x01, 0x00, 0x00, 0x02, 0x00, 0x04, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
const MODES = ['delete', 'overlay'] as const;

describe.skipIf(skipNote(isRoot, 'metadata tests need root (chown, mknod, trusted xattrs)'))('metadata (layer-diff.md §7.2)', () => {
  for (const whiteouts of MODES) {
    describe(whiteouts, () => {
      it('#22 #23 PAX times keep nanoseconds, extra digits are truncated', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(file('f', 'x', { pax: { mtime: '1600000000.123456789', atime: '1700000000.987654321' } }), file('g', 'y', { pax: { mtime: '1600000000.1234567891234' } })), { whiteouts });
        const f = await ls(join(d, 'f'));
        expect(f.mtimeNs).toBe(1600000000123456789n);
        expect(f.atimeNs).toBe(1700000000987654321n);
        expect((await ls(join(d, 'g'))).mtimeNs).toBe(1600000000123456789n);
      });

      it('#24 #25 #26 atime rules and clamping before the epoch', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(file('noat', 'x', { mtime: 5000 }), dir('dnoat', { mtime: 6000 }), file('early', 'x', { mtime: 9000, pax: { atime: '100' } }), dir('dearly', { mtime: 9000, pax: { atime: '100' } }), file('neg', 'x', { pax: { mtime: '-100000' } }), dir('dneg', { pax: { mtime: '-5' } })), { whiteouts });
        expect((await ls(join(d, 'noat'))).atimeNs).toBe(5000n * NS);
        expect((await ls(join(d, 'dnoat'))).atimeNs).toBe(0n);
        expect((await ls(join(d, 'dnoat'))).mtimeNs).toBe(6000n * NS);
        expect((await ls(join(d, 'early'))).atimeNs).toBe(9000n * NS);
        expect((await ls(join(d, 'dearly'))).atimeNs).toBe(100n * NS);
        expect((await ls(join(d, 'neg'))).mtimeNs).toBe(0n);
        expect((await ls(join(d, 'dneg'))).mtimeNs).toBe(0n);
      });

      it('#27 #28 big IDs and setuid/setgid/sticky survive chown', async () => {
        const d = await dirs.make();
        const r = await applyInto(d, tar(file('big', 'x', { pax: { uid: '3000000', gid: '4000000' } }), file('su', 'x', { mode: 0o6755, uid: 1000, gid: 1000 }), dir('sd', { mode: 0o3775, uid: 1000, gid: 1000 })), { whiteouts });
        expect(await lstat(join(d, 'big'))).toMatchObject({ uid: 3000000, gid: 4000000 });
        expect(await lstat(join(d, 'su'))).toMatchObject({ uid: 1000, gid: 1000, mode: 0o106755 });
        expect((await lstat(join(d, 'sd'))).mode & 0o7777).toBe(0o3775);
        expect(r.uidset).toEqual([1000, 3000000]);
        expect(r.gidset).toEqual([1000, 4000000]);
      });

      it('files in a setgid directory keep their own group', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(dir('sg/', { mode: 0o2775, gid: 50 }), file('sg/f', 'x', { gid: 0 }), file('later/f', 'x'), dir('later/', { mode: 0o2755, gid: 60 }), file('later/g', 'y', { gid: 0 })), { whiteouts });
        expect((await lstat(join(d, 'sg/f'))).gid).toBe(0);
        expect((await lstat(join(d, 'later/g'))).gid).toBe(0);
        expect((await lstat(join(d, 'later'))).gid).toBe(60);
      });

      it('#29 a hardlink header wins over its target: owner, mode, mtime of the shared inode', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(dir('dir/'), file('dir/file.txt', 'x', { uid: 1000, mode: 0o600, mtime: 1111 }), hardlink('dir/hard', 'dir/file.txt', { uid: 0, mode: 0o644, mtime: 2222 })), { whiteouts });
        const a = await lstat(join(d, 'dir/file.txt'));
        const b = await lstat(join(d, 'dir/hard'));
        expect(a.ino).toBe(b.ino);
        expect(a).toMatchObject({ uid: 0, nlink: 2, mode: 0o100644, mtimeMs: 2222000 });
      });

      it('#30 a 0000 directory can receive a 0000 file', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(dir('ro/', { mode: 0 }), file('ro/f', 'x', { mode: 0 })), { whiteouts });
        expect((await lstat(join(d, 'ro'))).mode & 0o7777).toBe(0);
        expect(await readFile(join(d, 'ro/f'), 'utf8')).toBe('x');
      });

      it('#31 missing parents are created 0755 (overlay: owned by the mapped root)', async () => {
        const d = await dirs.make();
        const maps = whiteouts === 'overlay' ? { uidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMaps: [{ containerID: 0, hostID: 200000, size: 65536 }] } : {};
        await applyInto(d, tar(file('nested/deep/file', 'x')), { whiteouts, ...maps });
        const st = await lstat(join(d, 'nested/deep'));
        expect(st.mode & 0o7777).toBe(0o755);
        expect([st.uid, st.gid]).toEqual(whiteouts === 'overlay' ? [100000, 200000] : [0, 0]);
        expect(await lstat(join(d, 'nested/deep/file'))).toMatchObject(whiteouts === 'overlay' ? { uid: 100000, gid: 200000 } : { uid: 0, gid: 0 });
      });

      it('#32 #33 xattrs: raw values, empty values, security.selinux and LIBARCHIVE skipped', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(file('x', 'x', { pax: { 'SCHILY.xattr.user.foo': 'bar', 'SCHILY.xattr.trusted.x': 't', 'SCHILY.xattr.security.capability': CAP, 'SCHILY.xattr.security.selinux': 'system_u:object_r:bin_t:s0', 'SCHILY.xattr.user.bin': Buffer.from([0xff, 0xfe]), 'LIBARCHIVE.xattr.user.la': 'bGE=', 'SCHILY.xattr.user.empty': '' } })), { whiteouts });
        const p = join(d, 'x');
        expect((await sys.lgetxattr(p, 'user.foo')).toString()).toBe('bar');
        expect((await sys.lgetxattr(p, 'trusted.x')).toString()).toBe('t');
        expect(await sys.lgetxattr(p, 'security.capability')).toEqual(CAP);
        expect(await sys.lgetxattr(p, 'user.bin')).toEqual(Buffer.from([0xff, 0xfe]));
        expect((await sys.lgetxattr(p, 'user.empty')).length).toBe(0);
        const names = await sys.llistxattr(p);
        expect(names).not.toContain('security.selinux');
        expect(names).not.toContain('user.la');
      });

      it('#34 #35 user.* on a symlink or FIFO is fatal; trusted.* lands on the link itself', async () => {
        await expect(applyInto(await dirs.make(), tar(symlink('s', 'target', { pax: { 'SCHILY.xattr.user.foo': 'x' } })), { whiteouts })).rejects.toMatchObject({ code: 'EPERM' });
        await expect(applyInto(await dirs.make(), tar({ name: 'p', type: '6', pax: { 'SCHILY.xattr.user.foo': 'x' } }), { whiteouts })).rejects.toMatchObject({ code: 'EPERM' });
        const d = await dirs.make();
        await applyInto(d, tar(file('target', 'x'), symlink('s', 'target', { pax: { 'SCHILY.xattr.trusted.foo': 'on-link' } })), { whiteouts });
        expect((await sys.lgetxattr(join(d, 's'), 'trusted.foo')).toString()).toBe('on-link');
        await expect(sys.lgetxattr(join(d, 'target'), 'trusted.foo')).rejects.toMatchObject({ code: 'ENODATA' });
      });

      it('#36 injected overlay xattrs are stripped unless asked for', async () => {
        const t = tar(dir('d', { pax: { 'SCHILY.xattr.trusted.overlay.opaque': 'y', 'SCHILY.xattr.user.overlay.opaque': 'y', 'SCHILY.xattr.user.containers.override_stat': '0:0:0755:dir', 'SCHILY.xattr.user.keep': 'k' } }));
        const d = await dirs.make();
        await applyInto(d, t, { whiteouts });
        expect((await sys.llistxattr(join(d, 'd'))).sort()).toEqual(['user.keep']);
        const k = await dirs.make();
        await applyInto(k, t, { whiteouts, keepOverlayXattrs: true });
        expect((await sys.lgetxattr(join(k, 'd'), 'trusted.overlay.opaque')).toString()).toBe('y');
      });

      it('devices and fifos with their numbers and modes', async () => {
        const d = await dirs.make();
        await applyInto(d, tar({ name: 'null', type: '3', devmajor: 1, devminor: 3, mode: 0o666 }, { name: 'loop', type: '4', devmajor: 7, devminor: 1048575, mode: 0o660, gid: 6 }, { name: 'fifo', type: '6', mode: 0o1644 }), { whiteouts });
        const c = await lstat(join(d, 'null'));
        expect(c.isCharacterDevice() && sys.major(c.rdev) === 1 && sys.minor(c.rdev) === 3 && (c.mode & 0o7777) === 0o666).toBe(true);
        const b = await lstat(join(d, 'loop'));
        expect(b.isBlockDevice() && sys.major(b.rdev) === 7 && sys.minor(b.rdev) === 1048575 && b.gid === 6).toBe(true);
        const f = await lstat(join(d, 'fifo'));
        expect(f.isFIFO() && (f.mode & 0o7777) === 0o1644).toBe(true);
      });

      it('#39 #40 ID maps: host IDs on disk, container IDs in uidset, unmappable IDs fail', async () => {
        const maps = { uidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }] };
        const d = await dirs.make();
        const r = await applyInto(d, tar(dir('etc', { uid: 0 }), file('etc/u', 'x', { uid: 1000, gid: 1000 }), symlink('s', 'etc', { uid: 7, gid: 7 }), file('.wh.gone', '', { uid: 5 }), file('implicit/f', 'x')), { whiteouts, ...maps });
        expect(await lstat(join(d, 'etc'))).toMatchObject({ uid: 100000 });
        expect(await lstat(join(d, 'etc/u'))).toMatchObject({ uid: 101000, gid: 101000 });
        expect(await lstat(join(d, 's'))).toMatchObject({ uid: 100007 });
        expect(r.uidset).toEqual([0, 7, 1000]);
        expect((await lstat(join(d, 'implicit'))).uid).toBe(whiteouts === 'overlay' ? 100000 : 0);
        await expect(applyInto(await dirs.make(), tar(file('f', 'x', { uid: 70000 })), { whiteouts, ...maps })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_ID_UNMAPPED', message: 'container ID 70000 cannot be mapped to a host ID' });
      });

      it('#41 #42 root entries: applied as a directory by delete, ignored by overlay; a non-directory root is refused untouched', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(dir('./', { mode: 0o700, uid: 5, gid: 6 }), file('f', 'x')), { whiteouts });
        const st = await stat(d);
        if (whiteouts === 'delete') expect(st).toMatchObject({ uid: 5, gid: 6, mode: 0o40700 });
        else expect(st.uid).toBe(0);
        const r = await dirs.make();
        await applyInto(r, tar(file('keep', 'k')), { whiteouts: 'delete' });
        const bad = applyInto(r, tar(file('./', 'x')), { whiteouts });
        if (whiteouts === 'delete') await expect(bad).rejects.toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE_PATH' });
        else await bad;
        const bad2 = applyInto(r, tar(symlink('.', '/etc')), { whiteouts });
        if (whiteouts === 'delete') await expect(bad2).rejects.toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE_PATH' });
        else await bad2;
        expect(await readFile(join(r, 'keep'), 'utf8')).toBe('k');
      });

      it('#43 a symlink with an empty target is ENOENT', async () => {
        await expect(applyInto(await dirs.make(), tar(symlink('s', '')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
      });

      it('symlink targets are stored verbatim, even absolute or climbing', async () => {
        const d = await dirs.make();
        await applyInto(d, tar(symlink('abs', '/etc/passwd'), symlink('up', '../../../x')), { whiteouts });
        expect(await readlink(join(d, 'abs'))).toBe('/etc/passwd');
        expect(await readlink(join(d, 'up'))).toBe('../../../x');
      });
    });
  }
});
