import { mkdir, lstat, readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as sys from '@cs/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { applyInto, tree } from './apply-helpers.js';
import { isRoot, skipNote, tempDirs } from './helpers.js';
import { dir, file, hardlink, symlink, tar } from './tar-builder.js';

const dirs = tempDirs();
const mounts: string[] = [];
afterEach(async () => {
  for (const m of mounts.splice(0)) await sys.umount2(m, sys.MNT.DETACH).catch(() => undefined);
  await dirs.cleanup();
});

// base layer of §7.3: a, b, big, d/{x,y,sub/z}, e/f, g/h
const BASE = tar(file('a', 'a'), file('b', 'b'), file('big', 'B'.repeat(5000)), dir('d'), file('d/x', 'x'), file('d/y', 'y'), dir('d/sub'), file('d/sub/z', 'z'), dir('e'), file('e/f', 'f'), dir('g'), file('g/h', 'h'));
const UPPER = tar(file('.wh.a'), dir('d/'), file('d/.wh..wh..opq'), file('d/new', 'new'), file('.wh.e'), file('g/.wh.h'), file('.wh.nonexistent'), file('b', 'b2'));

async function flatLayer(upper: Buffer): Promise<string> {
  const d = await dirs.make();
  await applyInto(d, BASE, { whiteouts: 'delete' });
  await applyInto(d, upper, { whiteouts: 'delete' });
  return d;
}

async function overlayLayers(upper: Buffer): Promise<{ lower: string; diff: string }> {
  const lower = await dirs.make();
  const diff = await dirs.make();
  await applyInto(lower, BASE, { whiteouts: 'overlay' });
  await applyInto(diff, upper, { whiteouts: 'overlay', lowerDirs: [lower] });
  return { lower, diff };
}

async function mountOverlay(lower: string, diff: string): Promise<string> {
  const work = await dirs.make();
  const merged = await dirs.make();
  await sys.mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${diff},workdir=${work}`);
  mounts.push(merged);
  return merged;
}

const names = (lines: string[]) => lines.map((l) => l.split(' ')[0]!);

describe.skipIf(skipNote(isRoot, 'whiteout tests need root (mknod, trusted xattrs, overlay mounts)'))('whiteouts (layer-diff.md §7.3)', () => {
  it('#44 delete: whiteouts and the opaque marker remove lower content', async () => {
    const d = await flatLayer(UPPER);
    expect(names(await tree(d))).toEqual(['b', 'big', 'd/', 'd/new', 'g/']);
    expect(await readFile(join(d, 'b'), 'utf8')).toBe('b2');
  });

  it('#44 overlay: 0/0 devices and the opaque xattr; the mounted view equals the flat tree', async () => {
    const { lower, diff } = await overlayLayers(UPPER);
    const t = await tree(diff);
    expect(t).toEqual(['a c 0 0:0 0,0', 'b f 644 0:0 2', 'd/ d 755 0:0', 'd/new f 644 0:0 3', 'e c 0 0:0 0,0', 'g/ d 755 0:0', 'g/h c 0 0:0 0,0', 'nonexistent c 0 0:0 0,0']);
    expect((await sys.lgetxattr(join(diff, 'd'), 'trusted.overlay.opaque')).toString()).toBe('y');
    const merged = await mountOverlay(lower, diff);
    const flat = await flatLayer(UPPER);
    expect(names(await tree(merged))).toEqual(names(await tree(flat)));
  });

  it('user.overlay. namespace when asked (rootless overlay)', async () => {
    const diff = await dirs.make();
    await applyInto(diff, tar(dir('d'), file('d/.wh..wh..opq')), { whiteouts: 'overlay', overlayXattrPrefix: 'user.' });
    expect((await sys.lgetxattr(join(diff, 'd'), 'user.overlay.opaque')).toString()).toBe('y');
  });

  it('#47 a whiteout then the same name: the new file wins', async () => {
    const t = tar(file('.wh.a'), file('a', 'new'));
    expect(await readFile(join(await flatLayer(t), 'a'), 'utf8')).toBe('new');
    const { diff } = await overlayLayers(t);
    expect(await readFile(join(diff, 'a'), 'utf8')).toBe('new');
  });

  it('#48 a file then its whiteout: delete removes it, overlay says file exists', async () => {
    const t = tar(file('a', 'new'), file('.wh.a'));
    await expect(lstat(join(await flatLayer(t), 'a'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(overlayLayers(t)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('#49 whiteouts with data or of directory type still act as whiteouts', async () => {
    const t = tar(file('.wh.a', 'data'), dir('d'), dir('d/.wh.sub'));
    const d = await flatLayer(t);
    expect(names(await tree(d)).filter((n) => n === 'a' || n.startsWith('d/sub'))).toEqual([]);
    const { diff } = await overlayLayers(t);
    expect((await lstat(join(diff, 'a'))).isCharacterDevice()).toBe(true);
    expect((await lstat(join(diff, 'd/sub'))).isCharacterDevice()).toBe(true);
  });

  it('#50 #51 whiteouts naming ".", ".." or nothing are refused before they touch anything', async () => {
    for (const t of [tar(dir('sub'), file('sub/.wh...')), tar(dir('sub/'), file('sub/x', 'x'), file('sub/.wh.')), tar(file('.wh..'))]) {
      for (const whiteouts of ['delete', 'overlay'] as const) {
        const d = await dirs.make();
        await applyInto(d, BASE, { whiteouts: 'delete' });
        await expect(applyInto(d, t, { whiteouts })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_UNSAFE_PATH' });
        expect(names(await tree(d))).toContain('big');
      }
    }
  });

  it('#52 a top-level opaque marker: delete keeps only this tar; overlay marks the root', async () => {
    const t = tar(file('.wh..wh..opq'), file('n', 'n'));
    expect(names(await tree(await flatLayer(t)))).toEqual(['n']);
    const { diff } = await overlayLayers(t);
    expect((await sys.lgetxattr(diff, 'trusted.overlay.opaque')).toString()).toBe('y');
  });

  it('opaque marker before and after new entries: new entries survive, their lower children do not', async () => {
    const t = tar(dir('d/'), dir('d/sub/'), file('d/sub/new', 'n'), file('d/.wh..wh..opq'), file('d/later', 'l'));
    expect(names(await tree(await flatLayer(t)))).toEqual(['a', 'b', 'big', 'd/', 'd/later', 'd/sub/', 'd/sub/new', 'e/', 'e/f', 'g/', 'g/h']);
  });

  it('#53 aufs plnk: delete makes an independent copy with the plnk metadata; overlay links', async () => {
    const t = tar(dir('.wh..wh.plnk/'), file('.wh..wh.plnk/1234', 'linked', { mode: 0o600, uid: 5 }), hardlink('x', '.wh..wh.plnk/1234', { mode: 0o644 }));
    const d = await flatLayer(t);
    expect(await lstat(join(d, 'x'))).toMatchObject({ uid: 5, mode: 0o100600, nlink: 1 });
    expect(await readFile(join(d, 'x'), 'utf8')).toBe('linked');
    expect(await readdir(join(d, '.wh..wh.plnk'))).toEqual([]);
    expect((await readdir(d)).filter((n) => n.startsWith('.cs-plnk'))).toEqual([]);
    await expect(applyInto(await dirs.make(), tar(hardlink('x', '.wh..wh.plnk/999')))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INVALID_LINK' });
    const { diff } = await overlayLayers(t);
    expect((await lstat(join(diff, '.wh.plnk'))).isCharacterDevice()).toBe(true);
    expect((await lstat(join(diff, 'x'))).ino).toBe((await lstat(join(diff, '.wh..wh.plnk/1234'))).ino);
  });

  it('#54 a whiteout through a symlink resolves inside the root', async () => {
    const t = tar(dir('etc/'), file('etc/passwd', 'p'), symlink('s', '/etc'), file('s/.wh.passwd'));
    await expect(lstat(join(await flatLayer(t), 'etc/passwd'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(overlayLayers(t)).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('#55 a second apply with whiteouts over the first one', async () => {
    const d = await dirs.make();
    await applyInto(d, tar(file('f', '1')), { whiteouts: 'delete' });
    await applyInto(d, tar(file('.wh.f')), { whiteouts: 'delete' });
    expect(await readdir(d)).toEqual([]);
    const o = await dirs.make();
    await applyInto(o, tar(file('f', '1')), { whiteouts: 'overlay' });
    await expect(applyInto(o, tar(file('.wh.f')), { whiteouts: 'overlay' })).rejects.toMatchObject({ code: 'EEXIST' });
  });

  it('overlay: a whiteout below a whited-out directory is skipped (ENOTDIR)', async () => {
    const { diff } = await overlayLayers(tar(file('.wh.e'), file('e/.wh.f')));
    expect((await lstat(join(diff, 'e'))).isCharacterDevice()).toBe(true);
  });

  it('overlay: a hardlink to a lower file is copied up so both names share an inode', async () => {
    const lower = await dirs.make();
    await applyInto(lower, tar(dir('etc'), file('etc/hostname', 'host', { mode: 0o640, uid: 3, mtime: 4242 })), { whiteouts: 'overlay' });
    const diff = await dirs.make();
    await applyInto(diff, tar(hardlink('h', '/etc/hostname', { mode: 0o640, uid: 3, mtime: 4242 })), { whiteouts: 'overlay', lowerDirs: [lower] });
    const h = await lstat(join(diff, 'h'));
    expect(h).toMatchObject({ nlink: 2, uid: 3, mode: 0o100640 });
    expect(h.ino).toBe((await lstat(join(diff, 'etc/hostname'))).ino);
    expect(await readFile(join(diff, 'etc/hostname'), 'utf8')).toBe('host');
    await expect(applyInto(await dirs.make(), tar(hardlink('h', '/etc/hostname')), { whiteouts: 'overlay' })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('overlay size is the disk usage of what was written', async () => {
    const diff = await dirs.make();
    const r = await applyInto(diff, tar(file('a', '12345'), hardlink('b', 'a'), symlink('s', 'target'), file('.wh.gone'), dir('d')), { whiteouts: 'overlay' });
    expect(r.size).toBe(5 + 6);
    const flat = await dirs.make();
    await mkdir(join(flat, 'x'));
    const r2 = await applyInto(flat, tar(file('a', '12345'), { name: 'h', type: '1', linkname: 'a', size: 0 }, file('.wh.x', '')), { whiteouts: 'delete' });
    expect(r2.size).toBe(5);
  });
});
