/**
 * layer-diff.md §7.5 "Producing diffs" (#72–#85), on real files as root: each case is run
 * through the naive path (a copy of the lower tree compared with it) and through a real kernel
 * overlay mount (upper dir read natively).
 */
import { lstat, mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  changesBetween, changesFromOverlayUpper, diffSizeFromChanges, directorySize, exportChanges, exportOverlayUpper,
  exportTree, type Change,
} from '../../src/out/index.js';
import { collect, isRoot, OverlayMount, parseTar, removeTree, run, tempDir, type Member } from './helpers.js';

if (!isRoot) console.warn('§7.5 edge-case tests skipped: they need root (overlay mounts, mknod, chown)');

const KIND = ['Modify', 'Add', 'Delete'];
const show = (cs: Change[]) => cs.map((c) => `${KIND[c.kind]} ${c.path}`);

interface Outcome {
  changes: string[];
  tar: Member[];
  raw: Buffer;
  size: number;
}

describe.skipIf(!isRoot)('§7.5 producing diffs', () => {
  let root: string;
  let n = 0;
  const mounts: OverlayMount[] = [];

  beforeAll(async () => {
    root = await tempDir('cs-edge-');
  });
  afterEach(async () => {
    for (const m of mounts.splice(0)) await m.unmount().catch(() => undefined);
  });
  afterAll(async () => {
    await removeTree(root);
  });

  async function lowerTree(script: string): Promise<string> {
    const dir = join(root, `case${++n}`);
    const lower = join(dir, 'lower');
    await mkdir(lower, { recursive: true });
    await run('sh', ['-c', `set -e\n${script}`], { cwd: lower });
    return dir;
  }

  /** naive: copy of the lower tree, changed, compared with the lower tree (HEAD rules unless told). */
  async function naive(base: string, change: string, compare: 'head' | '1.43' = 'head'): Promise<Outcome> {
    const dir = await lowerTree(base);
    const layer = join(dir, 'layer');
    await run('cp', ['-a', join(dir, 'lower'), layer]);
    await run('sh', ['-c', `set -e\n${change}`], { cwd: layer });
    const changes = await changesBetween(layer, join(dir, 'lower'), { compare });
    const raw = await collect(exportChanges(layer, changes));
    return { changes: show(changes), raw, tar: await parseTar(raw), size: await diffSizeFromChanges(layer, changes) };
  }

  /** overlay: the change is made through a kernel overlay mount; the upper dir is then read. */
  async function overlay(base: string, change: string): Promise<Outcome & { upper: string }> {
    const dir = await lowerTree(base);
    const upper = join(dir, 'upper');
    const m = await OverlayMount.create(dir, upper, [join(dir, 'lower')]);
    mounts.push(m);
    await run('sh', ['-c', `set -e\n${change}`], { cwd: m.merged });
    await m.unmount();
    const lowers = [join(dir, 'lower')];
    const changes = await changesFromOverlayUpper(upper, lowers);
    const raw = await collect(exportOverlayUpper(upper, lowers));
    return { changes: show(changes), raw, tar: await parseTar(raw), size: await directorySize(upper), upper };
  }

  const names = (o: Outcome) => o.tar.map((m) => m.name);

  it('#72 same-size overwrite with mtime restored: naive sees nothing, overlay a Modify', async () => {
    const base = 'echo aaaa > f && touch -d @1600000000 f';
    const change = 'echo bbbb > f && touch -d @1600000000 f';
    expect((await naive(base, change)).changes).toEqual([]);
    const o = await overlay(base, change);
    expect(o.changes).toEqual(['Modify /f']);
    expect(o.tar.find((m) => m.name === 'f')?.data.toString()).toBe('bbbb\n');
  });

  it('#73 touch to the same second of a .5 mtime: naive none, overlay Modify', async () => {
    const base = "echo x > f && touch -d '@1600000000.5' f";
    const change = 'touch -d @1600000000 f';
    expect((await naive(base, change)).changes).toEqual([]);
    expect((await overlay(base, change)).changes).toEqual(['Modify /f']);
  });

  it('#74 symlink retargeted to a same-length target, mtime restored', async () => {
    const base = 'ln -s aaa s && touch -h -d @1600000000 s && touch -d @1600000000 .';
    const change = 'rm s && ln -s bbb s && touch -h -d @1600000000 s';
    expect((await naive(base, change, '1.43')).changes).toEqual([]);
    expect((await naive(base, change, 'head')).changes).toEqual(['Modify /s']);
    // the old target dangles, so the lower lookup (following symlinks) finds nothing: Add
    const o = await overlay(base, change);
    expect(o.changes).toEqual(['Add /s']);
    expect(o.tar.find((m) => m.name === 's')?.linkname).toBe('bbb');
  });

  it('#75 only a directory mtime changed: 1.43 none, HEAD Modify, overlay Modify', async () => {
    const base = 'mkdir d && touch -d @1600000000 d';
    const change = 'touch -d @1700000000 d';
    expect((await naive(base, change, '1.43')).changes).toEqual([]);
    expect((await naive(base, change, 'head')).changes).toEqual(['Modify /d']);
    const o = await overlay(base, change);
    expect(o.changes).toEqual(['Modify /d']);
    expect(names(o)).toEqual(['d/']);
  });

  it('#76 rm -rf dir2 && mkdir dir2: naive whiteouts per child, overlay opaque marker', async () => {
    const base = 'mkdir dir2 && echo f > dir2/f';
    const change = 'rm -rf dir2 && mkdir dir2 && echo g > dir2/g';
    const nv = await naive(base, change);
    expect(nv.changes.sort()).toEqual(['Add /dir2/g', 'Delete /dir2/f', 'Modify /dir2']);
    expect(names(nv)).toEqual(['dir2/', 'dir2/.wh.f', 'dir2/g']);
    const wh = nv.tar.find((m) => m.name === 'dir2/.wh.f')!;
    expect([wh.type, wh.mode, wh.uid, wh.gid, wh.size, wh.uname]).toEqual(['file', 0, 0, 0, 0, '']);
    expect(Math.abs(wh.mtime - Date.now() / 1000)).toBeLessThan(120);
    const o = await overlay(base, change);
    expect(o.changes).toEqual(['Delete /dir2', 'Add /dir2/g']);
    expect(names(o)).toEqual(['dir2/', 'dir2/.wh..wh..opq', 'dir2/g']);
    const opq = o.tar[1]!;
    expect([opq.type, opq.mode, opq.mtime, opq.size]).toEqual(['file', 0o755, 0, 0]);
  });

  it('#77 a UNIX socket is listed in changes but never written', async () => {
    const change = `python3 -c "import socket; s=socket.socket(socket.AF_UNIX); s.bind('sock')"`;
    const nv = await naive('true', change);
    expect(nv.changes).toEqual(['Add /sock']);
    expect(names(nv)).toEqual([]);
    const o = await overlay('true', change);
    expect(o.changes).toEqual(['Add /sock']);
    expect(names(o)).toEqual([]);
  });

  it('#78 ln keep keep-hl: naive writes a full file, overlay a hardlink to the copied-up keep', async () => {
    const base = 'echo keep > keep';
    const change = 'ln keep keep-hl';
    const nv = await naive(base, change);
    expect(nv.changes).toEqual(['Add /keep-hl']);
    expect(nv.tar.map((m) => [m.name, m.type, m.data.toString()])).toEqual([['keep-hl', 'file', 'keep\n']]);
    const o = await overlay(base, change);
    expect(o.changes).toEqual(['Modify /keep', 'Add /keep-hl']);
    expect(o.tar.map((m) => [m.name, m.type, m.linkname])).toEqual([['keep', 'file', null], ['keep-hl', 'link', 'keep']]);
    expect(o.size).toBe(5); // one inode counted once
  });

  it('#79 chown, user xattr, char device and fifo become the right headers', async () => {
    const base = 'echo f > f';
    const change = `chown 7:8 f && python3 -c "import os; os.setxattr('f','user.k',b'v')" && mknod c45 c 4 5 && mkfifo ff`;
    for (const o of [await naive(base, change), await overlay(base, change)]) {
      const f = o.tar.find((m) => m.name === 'f')!;
      expect([f.uid, f.gid, f.uname, f.gname, f.mode]).toEqual([7, 8, '', '', 0o644]);
      expect(f.pax?.['SCHILY.xattr.user.k']).toBe('v');
      const c = o.tar.find((m) => m.name === 'c45')!;
      expect([c.type, c.devmajor, c.devminor]).toEqual(['character-device', 4, 5]);
      expect(o.tar.find((m) => m.name === 'ff')?.type).toBe('fifo');
    }
  });

  it('#80 a mapped layer writes container IDs and leaves out unmappable owners', async () => {
    const dir = await lowerTree('echo a > mapped && chown 100001:100002 mapped && echo b > stray && chown 5:5 stray');
    const skipped: string[] = [];
    const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const tar = await parseTar(
      await collect(exportTree(join(dir, 'lower'), { uidMaps: maps, gidMaps: maps, onSkip: (p) => skipped.push(p) })),
    );
    expect(tar.map((m) => [m.name, m.uid, m.gid])).toEqual([['mapped', 1, 2]]);
    expect(skipped).toEqual(['stray']);
  });

  it('#81 a lower file replaced by a directory: Modify, then Add of the child', async () => {
    const o = await overlay('echo file > x', 'rm x && mkdir x && echo c > x/child');
    expect(o.changes).toEqual(['Modify /x', 'Add /x/child']);
    expect(names(o)).toEqual(['x/', 'x/child']);
  });

  it('#82 kernel whiteouts sharing one inode become independent empty entries', async () => {
    const o = await overlay('echo a > a && echo b > b && echo big > big', 'rm a b big');
    expect((await lstat(join(o.upper, 'b'))).nlink).toBeGreaterThan(1);
    expect(o.changes).toEqual(['Delete /a', 'Delete /b', 'Delete /big']);
    expect(o.tar.map((m) => [m.name, m.type, m.size, m.linkname, m.mode])).toEqual([
      ['.wh.a', 'file', 0, null, 0],
      ['.wh.b', 'file', 0, null, 0],
      ['.wh.big', 'file', 0, null, 0],
    ]);
  });

  it('#83 a file literally named .wh.x is written as is (format ambiguity, documented)', async () => {
    const change = 'echo q > .wh.x';
    expect(names(await naive('echo x > x', change))).toEqual(['.wh.x']);
    expect(names(await overlay('echo x > x', change))).toEqual(['.wh.x']);
  });

  it('#84 no changes at all: 1024 zero bytes, no changes, size 0', async () => {
    const base = 'mkdir -p d && echo f > d/f';
    for (const o of [await naive(base, 'true'), await overlay(base, 'true')]) {
      expect(o.changes).toEqual([]);
      expect(o.raw.equals(Buffer.alloc(1024))).toBe(true);
      expect(o.size).toBe(0);
    }
  });

  it('#85 long, non-ASCII, big-ID, xattr, negative-mtime and prefix-split names (parentless, HEAD style)', async () => {
    const long = 'n'.repeat(120);
    const deep = `${'d'.repeat(90)}/${'e'.repeat(60)}`;
    const dir = await lowerTree(`mkdir -p a/b a-b ${deep} && touch ${long} "caf$(printf '\\351')" && chown 3000000:4000000 ${long}
python3 -c "import os; os.setxattr('a-b','user.z',b'1'); os.setxattr('a-b','user.a',b'2')"
touch -d @-315619200 a/b`);
    const raw = await collect(exportTree(join(dir, 'lower')));
    const tar = await parseTar(raw);
    expect(tar.map((m) => m.name)).toEqual(['a/', 'a/b/', 'a-b/', 'caf\ufffd', `${'d'.repeat(90)}/`, `${deep}/`, long]);
    expect(tar.find((m) => m.name === long)?.pax).toMatchObject({ path: long, uid: '3000000', gid: '4000000' });
    expect(tar.find((m) => m.name === 'a/b/')?.pax).toEqual({ mtime: '-315619200' });
    expect(Object.keys(tar.find((m) => m.name === 'a-b/')!.pax!)).toEqual(['SCHILY.xattr.user.a', 'SCHILY.xattr.user.z']);
    // the deep directory fits USTAR through the prefix field: no PAX entry before it
    expect(raw.includes(Buffer.from(`${'d'.repeat(90)}/PaxHeaders.0`))).toBe(false);
    expect(raw.includes(Buffer.from('caf\xe9', 'latin1'))).toBe(true); // raw name bytes in the PAX path
    expect(tar.every((m) => (m.mode & ~0o7777) === 0)).toBe(true); // HEAD: permission bits only
  });
});
