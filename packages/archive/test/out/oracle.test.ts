/**
 * Byte-for-byte comparison with the Go containers-storage 1.43 CLI (the oracle): the same trees
 * are exported by Go (`diff -u`) and by us with headerStyle '1.43'; changes and diffsize too.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  changesBetween, changesFromOverlayUpper, diffSizeFromChanges, directorySize, exportChanges, exportOverlayUpper,
  exportTree, type Change,
} from '../../src/out/index.js';
import { collect, GO_CLI, GoStore, hasBinary, isRoot, parseGoChanges, parseTar, removeTree, run, tempDir } from './helpers.js';

const haveGo = await hasBinary(GO_CLI);
const skipReason = !isRoot ? 'needs root' : !haveGo ? `needs the Go containers-storage CLI at ${GO_CLI}` : '';
if (skipReason) console.warn(`oracle tests skipped: ${skipReason}`);

const KIND = ['Modify', 'Add', 'Delete'];
const show = (cs: Change[]) => cs.map((c) => `${KIND[c.kind]} ${c.path}`);

/** A tree with every header feature of layer-diff.md §5.4.1 / §7.5 #85. */
const RICH_TREE = String.raw`
set -e
mkdir -p a/b a-b
echo hello > a/b/f
ln -s ../x a/l
ln -s "$(printf 'y%.0s' $(seq 1 130))" longlink
mkfifo fifo
mknod chr c 4 5
mknod blk b 7 0
python3 -c "import os; os.setxattr('a/b/f','user.k',b'v'); os.setxattr('a-b','user.bin',bytes([255,254])); os.setxattr('fifo','trusted.t',b'x')"
ln a/b/f hl
touch -d @-315619200 old
python3 -c "open('$(printf 'n%.0s' $(seq 1 120))','w').write('x'*700)"
mkdir -p $(printf 'd%.0s' $(seq 1 90))/$(printf 'e%.0s' $(seq 1 60))
touch "caf$(printf '\351')"
mkdir "dir$(printf '\303\251')"
chown 7:8 a/b
chown 3000000:4000000 old
chmod 4755 a/b/f
chmod 3775 a-b
head -c 3000000 /dev/urandom > big
touch -d '2020-01-01 00:00:00.5' a/l
touch -h -d '2021-01-01 00:00:00.25' a/l
`;

describe.skipIf(skipReason !== '')('Go oracle', () => {
  let root: string;

  beforeAll(async () => {
    root = await tempDir('cs-oracle-');
  });

  afterAll(async () => {
    await removeTree(root);
  });

  it('exportTree of a parentless vfs layer is byte-identical to `diff -u`', async () => {
    const go = new GoStore(join(root, 'vfs1'), 'vfs');
    try {
      const id = await go.createLayer();
      const mnt = await go.mount(id);
      await run('sh', ['-c', RICH_TREE], { cwd: mnt });
      await go.unmount(id);
      const expected = await go.cliBytes('diff', '-u', id);
      const ours = await collect(exportTree(go.layerDir(id), { headerStyle: '1.43' }));
      expect(ours.length).toBe(expected.length);
      expect(ours.equals(expected)).toBe(true);
      // the default (HEAD) style differs only in modes without type bits and empty names
      const head = await parseTar(await collect(exportTree(go.layerDir(id))));
      const f = head.find((m) => m.name === 'a/b/')!;
      expect([f.mode, f.uname, f.uid]).toEqual([0o755, '', 7]);
      expect(await directorySize(go.layerDir(id))).toBe(Number((await go.cli('diffsize', id)).trim()));
    } finally {
      await go.shutdown();
    }
  });

  it('exportChanges / changesBetween / diffSize of a vfs child layer match the Go CLI', async () => {
    const go = new GoStore(join(root, 'vfs2'), 'vfs');
    try {
      const base = await go.createLayer();
      let mnt = await go.mount(base);
      await run('sh', ['-c', `${RICH_TREE}
mkdir -p dir2 keepdir/sub && echo f > dir2/f && echo k > keep && echo z > keepdir/sub/z && echo a > a.txt && echo q > gone
touch -d @1600000000 keep keepdir keepdir/sub`], { cwd: mnt });
      await go.unmount(base);
      const child = await go.createLayer(base);
      mnt = await go.mount(child);
      await run('sh', ['-c', `set -e
rm -rf dir2 && mkdir dir2 && echo g > dir2/g
rm gone a/l
ln keep keep-hl
echo changed >> a.txt
chown 9:9 keepdir/sub/z
python3 -c "import os; os.setxattr('keepdir/sub','user.new',b'1')"
touch -d @1600000000 keep keepdir keepdir/sub
mkdir -p new/deeper && echo n > new/deeper/n`], { cwd: mnt });
      await go.unmount(child);

      const goChanges = parseGoChanges(await go.cli('changes', child)).sort();
      const ours = await changesBetween(go.layerDir(child), go.layerDir(base), { compare: '1.43' });
      expect(show(ours).sort()).toEqual(goChanges);
      // every change's ancestors come earlier in the list
      const seen = new Set(['/']);
      for (const c of ours) {
        expect(seen.has(c.path.slice(0, c.path.lastIndexOf('/')) || '/')).toBe(true);
        seen.add(c.path);
      }

      const goTar = await parseTar(await go.cliBytes('diff', '-u', child));
      const ourTar = await parseTar(await collect(exportChanges(go.layerDir(child), ours, { headerStyle: '1.43' })));
      // whiteouts carry "now" as mtime: compare everything else
      const norm = (ms: typeof goTar) => ms.map((m) => ({ ...m, mtime: /(^|\/)\.wh\./.test(m.name) ? 0 : m.mtime }));
      expect(norm(ourTar)).toEqual(norm(goTar));
      expect(ourTar.map((m) => m.name)).toContain('dir2/.wh.f');
      expect(ourTar.find((m) => m.name === 'keep-hl')?.type).toBe('file'); // `keep` is not in the diff

      expect(await diffSizeFromChanges(go.layerDir(child), ours)).toBe(Number((await go.cli('diffsize', child)).trim()));
    } finally {
      await go.shutdown();
    }
  });

  it('exportOverlayUpper / changesFromOverlayUpper match the overlay driver', async () => {
    const go = new GoStore(join(root, 'ovl'), 'overlay');
    try {
      const base = await go.createLayer();
      let mnt = await go.mount(base);
      await run('sh', ['-c', `set -e
mkdir -p d/sub g e dir2 x2 && echo x > a && echo b > b && echo big > big && echo z > d/sub/z && echo x > d/x
echo h > g/h && echo f > e/f && echo f > dir2/f && echo k > keep && echo file > x`], { cwd: mnt });
      await go.unmount(base);
      const child = await go.createLayer(base);
      mnt = await go.mount(child);
      await run('sh', ['-c', `set -e
rm a b big && rm -rf d e && mkdir d && echo new > d/new && rm g/h
rm -rf dir2 && mkdir dir2 && echo g > dir2/g
ln keep keep-hl && mknod c45 c 4 5 && mkfifo ff && echo q > .wh.x
python3 -c "import os; os.setxattr('ff','trusted.t',b'1'); os.setxattr('keep','user.k',b'v')"
mkdir fresh && echo n > fresh/n && chown 5:6 fresh/n`], { cwd: mnt });
      await go.unmount(child);
      const upper = go.layerDir(child);
      const lowers = [go.layerDir(base)];

      const goChanges = parseGoChanges(await go.cli('changes', child));
      expect(show(await changesFromOverlayUpper(upper, lowers))).toEqual(goChanges);

      const expected = await go.cliBytes('diff', '-u', child);
      const ours = await collect(exportOverlayUpper(upper, lowers, { headerStyle: '1.43' }));
      const [g, o] = [await parseTar(expected), await parseTar(ours)];
      // upstream leaves a stale linkname on kernel whiteouts that share an inode; we clear it
      expect(o).toEqual(g.map((m) => (/(^|\/)\.wh\.[^/]+$/.test(m.name) && m.size === 0 && m.type === 'file' ? { ...m, linkname: null } : m)));
      expect(o.filter((m) => m.name.endsWith('.wh..wh..opq')).map((m) => [m.name, m.mode, m.mtime])).toEqual([
        ['d/.wh..wh..opq', 0o755, 0],
        ['dir2/.wh..wh..opq', 0o755, 0],
      ]);
      expect(await directorySize(upper)).toBe(Number((await go.cli('diffsize', child)).trim()));
    } finally {
      await go.shutdown();
    }
  });
});
