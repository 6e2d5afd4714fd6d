import { chmod, lstat, mkdir, readFile, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyInto, replay } from './apply-helpers.js';
import { isRoot, skipNote, tempDirs } from './helpers.js';
import { dir, file, hardlink, symlink, tar } from './tar-builder.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
const MODES = ['delete', 'overlay'] as const;

/** A sandbox: <box>/root is the layer, <box>/victim and <box>/outside are host files that must not change. */
async function sandbox(): Promise<{ box: string; root: string; snapshot: () => Promise<string> }> {
  const box = await dirs.make('cs-archive-safety-');
  const root = join(box, 'root');
  await mkdir(root);
  await writeFile(join(box, 'victim'), 'host file');
  await mkdir(join(box, 'outside'));
  await writeFile(join(box, 'outside', 'keep'), 'host');
  const snapshot = async (): Promise<string> => {
    const v = await lstat(join(box, 'victim'));
    return JSON.stringify([await readdir(box), await readdir(join(box, 'outside')), await readFile(join(box, 'victim'), 'utf8'), v.nlink, v.mtimeMs, v.mode]);
  };
  return { box, root, snapshot };
}

describe.skipIf(skipNote(isRoot, 'safety tests need root (the hostile paths use chown/mknod as well)'))('path safety (layer-diff.md §7.4 and adversarial cases)', () => {
  for (const whiteouts of MODES) {
    describe(whiteouts, () => {
      it('#56 #57 #58 climbing and absolute names are clamped to the root', async () => {
        const { box, root, snapshot } = await sandbox();
        const before = await snapshot();
        const t = tar(file('../../../../../../outside/PWNED1', '1'), file('/outside/PWNED2', '2'), file('a/../../../../x/PWNED3', '3'), file('../victim', 'mine'));
        const r = await applyInto(root, t, { whiteouts });
        expect(await readFile(join(root, 'outside/PWNED1'), 'utf8')).toBe('1');
        expect(await readFile(join(root, 'outside/PWNED2'), 'utf8')).toBe('2');
        expect(await readFile(join(root, 'x/PWNED3'), 'utf8')).toBe('3');
        expect(await readFile(join(root, 'victim'), 'utf8')).toBe('mine');
        expect(await snapshot()).toBe(before);
        // #66: replay reads the in-root files, never <box>/victim
        expect((await replay(r.tarSplit!, [root])).equals(t)).toBe(true);
        expect(await readdir(box)).toEqual(['outside', 'root', 'victim']);
      });

      it('#59 #60 writes through symlinks pointing out of the root resolve inside it (ENOENT)', async () => {
        const { box, root, snapshot } = await sandbox();
        const before = await snapshot();
        await expect(applyInto(root, tar(symlink('s', join(box, 'outside')), file('s/PWNED4', 'x')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        const r2 = await dirs.make();
        await expect(applyInto(r2, tar(symlink('s', '../../../../../../../../outside'), file('s/PWNED5', 'x')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        expect(await snapshot()).toBe(before);
      });

      it('#61 a symlink to /etc writes into the layer own etc (delete) or fails (empty overlay diff)', async () => {
        const root = await dirs.make();
        if (whiteouts === 'delete') {
          await applyInto(root, tar(dir('etc'), file('etc/passwd', 'p')), { whiteouts });
          await applyInto(root, tar(symlink('s', '/etc'), file('s/NEWFILE', 'n')), { whiteouts });
          expect(await readFile(join(root, 'etc/NEWFILE'), 'utf8')).toBe('n');
        } else {
          await expect(applyInto(root, tar(symlink('s', '/etc'), file('s/NEWFILE', 'n')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        }
        await expect(lstat('/etc/NEWFILE')).rejects.toMatchObject({ code: 'ENOENT' });
      });

      it('#62 hardlinks to climbing or absolute targets link the layer own file, never a host file', async () => {
        const { root, snapshot } = await sandbox();
        const before = await snapshot();
        const links = tar(hardlink('h1', '../../../../etc/hostname'), hardlink('h2', '/etc/hostname'));
        if (whiteouts === 'delete') {
          await applyInto(root, tar(dir('etc'), file('etc/hostname', 'h')), { whiteouts });
          await applyInto(root, links, { whiteouts });
          expect((await lstat(join(root, 'etc/hostname'))).nlink).toBe(3);
        } else {
          await expect(applyInto(root, links, { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        }
        await expect(applyInto(await dirs.make(), tar(hardlink('v', '../victim')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        expect(await snapshot()).toBe(before);
      });

      it('#63 hardlinks to a missing target, a directory, or themselves fail', async () => {
        await expect(applyInto(await dirs.make(), tar(hardlink('h', 'missing')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        await expect(applyInto(await dirs.make(), tar(dir('d'), hardlink('h', 'd')), { whiteouts })).rejects.toMatchObject({ code: 'EPERM' });
        await expect(applyInto(await dirs.make(), tar(file('a', 'x'), hardlink('a', 'a')), { whiteouts })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_DUPLICATE_PATH' });
        await expect(applyInto(await dirs.make(), tar(file('a', 'x'), hardlink('/a', 'a')), { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
      });

      it('#64 #65 hardlinks never follow a final symlink but resolve intermediate ones in the root', async () => {
        const root = await dirs.make();
        await applyInto(root, tar(file('t', 'x'), symlink('s', 't'), hardlink('h', 's'), dir('etc/'), file('etc/passwd', 'p'), symlink('e', '/etc'), hardlink('h2', 'e/passwd')), { whiteouts });
        const h = await lstat(join(root, 'h'));
        expect(h.isSymbolicLink()).toBe(true);
        expect(h.nlink).toBe(2);
        expect(await readlink(join(root, 'h'))).toBe('t');
        expect((await lstat(join(root, 'h2'))).ino).toBe((await lstat(join(root, 'etc/passwd'))).ino);
      });

      it('a directory replaced by a symlink cannot be written through to the host', async () => {
        const { box, root, snapshot } = await sandbox();
        const before = await snapshot();
        const t = tar(dir('d'), file('d/a', 'a'), symlink('/d', join(box, 'outside')), file('d/PWNED', 'x'));
        await expect(applyInto(root, t, { whiteouts })).rejects.toMatchObject({ code: 'ENOENT' });
        const t2 = tar(dir('d'), symlink('/d', '../..'), file('d/inside', 'x'));
        const r2 = await dirs.make();
        await applyInto(r2, t2, { whiteouts });
        expect(await readFile(join(r2, 'inside'), 'utf8')).toBe('x');
        expect(await snapshot()).toBe(before);
        await expect(lstat(join(dirname(r2), 'inside'))).rejects.toMatchObject({ code: 'ENOENT' });
      });

      it('whiteouts and opaque markers aimed out of the root stay inside', async () => {
        const { box, root, snapshot } = await sandbox();
        const before = await snapshot();
        const t = tar(symlink('up', '../..'), file('up/.wh.victim'), symlink('abs', box), file('abs/.wh.outside'), file('../.wh.victim'));
        if (whiteouts === 'delete') {
          await applyInto(root, t, { whiteouts });
          await applyInto(root, tar(symlink('top', '/..'), file('top/.wh..wh..opq'), file('kept', 'k')), { whiteouts });
        } else {
          await applyInto(root, t, { whiteouts }).catch(() => undefined);
        }
        expect(await snapshot()).toBe(before);
      });

      it('a symlink loop is ELOOP, not a hang', async () => {
        await expect(applyInto(await dirs.make(), tar(symlink('a', 'b'), symlink('b', 'a'), file('a/f', 'x')), { whiteouts })).rejects.toMatchObject({ code: 'ELOOP' });
      });

      it('a file where a parent directory should be is ENOTDIR', async () => {
        await expect(applyInto(await dirs.make(), tar(file('f', 'x'), file('f/g', 'y')), { whiteouts })).rejects.toMatchObject({ code: 'ENOTDIR' });
      });
    });
  }

  it('replay never reads outside its directories, and checks content', async () => {
    const { box, root } = await sandbox();
    const t = tar(file('../victim', 'inside'));
    const r = await applyInto(root, t);
    await writeFile(join(root, 'victim'), 'change');
    await expect(replay(r.tarSplit!, [root])).rejects.toMatchObject({ code: 'ERR_TARSPLIT_CHECKSUM', message: 'file integrity checksum failed for "../victim"' });
    await writeFile(join(root, 'victim'), 'inside');
    expect((await replay(r.tarSplit!, [root])).equals(t)).toBe(true);
    expect(await readFile(join(box, 'victim'), 'utf8')).toBe('host file');
  });

  it('replay looks in each directory in turn (first hit wins) and reports a missing file', async () => {
    const upper = await dirs.make();
    const lower = await dirs.make();
    const t = tar(file('a', 'from-lower'), file('b', 'bbb'));
    const r = await applyInto(lower, t, { whiteouts: 'overlay' });
    await writeFile(join(upper, 'b'), 'bbb');
    expect((await replay(r.tarSplit!, [upper, lower])).equals(t)).toBe(true);
    await expect(replay(r.tarSplit!, [upper])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('§7.5 #67 #69 #70 #71: replay of an unmodified, a metadata-changed and a re-applied layer', async () => {
    const d = await dirs.make();
    const t1 = tar(dir('etc'), file('etc/a', 'aaa'), file('etc/empty', ''), file('b', 'bbb'));
    const r1 = await applyInto(d, t1);
    expect((await replay(r1.tarSplit!, [d])).equals(t1)).toBe(true); // #67
    await chmod(join(d, 'etc/a'), 0o600); // #69: metadata and empty files are not checked
    await writeFile(join(d, 'new'), 'n');
    await rm(join(d, 'etc/empty'));
    expect((await replay(r1.tarSplit!, [d])).equals(t1)).toBe(true);
    const t2 = tar(file('c', 'ccc'), file('.wh.b'));
    const r2 = await applyInto(d, t2); // #71: the second tar's record describes it alone
    expect(r2.uncompressedSize).toBe(t2.length);
    expect((await replay(r2.tarSplit!, [d])).equals(t2)).toBe(true);
    await expect(replay(r1.tarSplit!, [d])).rejects.toMatchObject({ code: 'ENOENT' }); // #70: b is gone
  });
});
