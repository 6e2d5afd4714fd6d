import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Store } from '@cs/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI as CLI_PATH, DRIVERS, tempStore, type TempStore } from './helpers.js';
import { ours } from './layer-run.js';

const ID = /^[0-9a-f]{64}$/;
const CREATED = /"created":"[^"]+"/g;

/** A small tar with a directory, two files and a symlink, built with GNU tar (uncompressed) and gzip. */
function sampleTars(dir: string): { tar: string; tgz: string } {
  const src = path.join(dir, 'src');
  execFileSync('sh', ['-c', `mkdir -p ${src}/d && printf hello > ${src}/d/f1 && printf world > ${src}/f2 && ln -s d/f1 ${src}/link`]);
  const tar = path.join(dir, 'sample.tar');
  execFileSync('tar', ['--numeric-owner', '--owner=0', '--group=0', '-C', src, '-cf', tar, 'd', 'f2', 'link']);
  execFileSync('sh', ['-c', `gzip -c ${tar} > ${tar}.gz`]);
  return { tar, tgz: `${tar}.gz` };
}

describe.each(DRIVERS)('layer commands on %s', (driver) => {
  let s: TempStore;
  let tars: { tar: string; tgz: string };
  const run = (...args: string[]) => ours([...s.flags, ...args]);
  const runIn = (input: string | Buffer, ...args: string[]) => ours([...s.flags, ...args], input);
  beforeEach(async () => {
    s = await tempStore(driver);
    tars = sampleTars(s.dir);
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('create-layer, import-layer, layer, layers (-q, -t, --json), create-storage-layer, storage-layers', async () => {
    expect(await run('create-layer', '--id', 'base', '-n', 'b1')).toEqual({ status: 0, stdout: 'base\n\tb1\n', stderr: '' });
    const top = await run('createlayer', '--json', '--id', 'top', '-n', 'toplayer', '-n', 'alias', '-l', 'lbl', 'b1');
    expect(top.stdout.replace(CREATED, 'T')).toBe('{"id":"top","names":["toplayer","alias"],"parent":"base","mountlabel":"lbl",T}\n');
    const gen = await run('create-layer', '-r', '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536', 'top');
    expect(gen.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const genID = gen.stdout.trim();
    const imp = await run('import-layer', '--id', 'imp', '-n', 'imported', '-f', tars.tgz, 'base');
    expect(imp).toEqual({ status: 0, stdout: 'imp\n\timported\n', stderr: '' });

    const shown = await run('layer', '--json', 'imported');
    const rec = JSON.parse(shown.stdout)[0];
    expect(rec).toMatchObject({ id: 'imp', names: ['imported'], parent: 'base', compression: 2, uidset: [0], gidset: [0] });
    expect(rec['diff-size']).toBe((await stat(tars.tar)).size);
    expect(await run('layer', genID.slice(0, 12), 'base', 'nosuch')).toEqual({
      status: 1,
      stdout: `ID: ${genID}\nUID mapping: (container=0, host=100000, size=65536)\nGID mapping: (container=0, host=100000, size=65536)\nParent: top\nID: base\nName: b1\n`,
      stderr: '',
    });
    expect((await run('layer', '--json', 'nosuch')).stdout).toBe('[]\n');

    // An image on top and a container on it show up in layers.
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    let ctrLayer: string;
    try {
      await store.createImage({ id: 'img1', topLayer: 'top', names: ['myimage'] });
      ctrLayer = (await store.createContainer({ id: 'ctr1', image: 'img1', names: ['mycontainer'] })).layer;
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
    // Read-only queries run side by side (they take read locks), which keeps the file quick.
    const [plain, quick, tree, treeJSON] = await Promise.all([run('layers'), run('layers', '-q'), run('layers', '-t'), run('layers', '-j', '-t')]);
    expect(plain.stdout).toBe(
      `base\n\tname: b1\ntop\n\tname: toplayer\n\tname: alias\n\timage: img1\n\t\tname: myimage\n${genID}\nimp\n\tname: imported\n${ctrLayer}\n\tcontainer: ctr1\n\t\tname: mycontainer\n`,
    );
    expect(quick.stdout).toBe(`base\ntop\n${genID}\nimp\n${ctrLayer}\n`);
    expect(tree.stdout).toBe(
      [
        '(base)',
        '└─base',
        '  name: b1',
        '  ├─top',
        '  │ name: toplayer',
        '  │ name: alias',
        '  │ image: img1',
        '  │ image name: myimage',
        `  │ ├─${genID}`,
        `  │ └─${ctrLayer}`,
        '  │   container: ctr1',
        '  │   container name: mycontainer',
        '  └─imp',
        '    name: imported',
        '',
      ].join('\n'),
    );
    const all = JSON.parse(treeJSON.stdout);
    expect(all.map((l: { id: string }) => l.id)).toEqual(['base', 'top', genID, 'imp', ctrLayer]);
    expect(await run('layers', 'extra')).toMatchObject({ status: 1, stdout: expect.stringMatching(/^layers: too many arguments \(\[extra\]\)\.\n/) });

    const sl = await run('create-storage-layer', '--json', '--id', 'drvonly', 'base');
    expect(sl).toEqual({ status: 0, stdout: '"drvonly"\n', stderr: '' });
    expect((await run('create-storage-layer')).stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const listed = (await run('storage-layers')).stdout.trim().split('\n');
    expect(listed).toEqual([...listed].sort());
    expect(listed).toEqual(expect.arrayContaining(['base', 'top', 'imp', 'drvonly', genID]));
    expect(listed).toHaveLength(7);
    expect(JSON.parse((await run('storage-layers', '-j')).stdout)).toEqual(listed);
    expect((await run('layers', '-q')).stdout).not.toContain('drvonly');
  });

  it('create and import failures: clashes, unknown parent, bad ID maps, missing file, junk input leaves no layer', async () => {
    await run('create-layer', '--id', 'base', '-n', 'b1');
    // Go prints the sentinel alone; the store adds the ID in front (reported to its owner).
    expect(await run('create-layer', '--id', 'base')).toEqual({ status: 1, stdout: '', stderr: 'that ID is already in use\n' });
    expect(await run('create-layer', '-n', 'b1')).toEqual({ status: 1, stdout: '', stderr: 'that name is already in use\n' });
    expect(await run('create-layer', 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect(await run('create-layer', '--uidmap', '0:1')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'initializing ID mappings: uid setting is malformed expected ["uint32:uint32:uint32"]: ["0:1"]\n',
    });
    expect((await run('import-layer', '--hostgidmap', '--gidmap', '0:1:1')).stderr).toBe('host gid map specified along with GID mapping\n');
    expect(await run('import-layer', '-f', path.join(s.dir, 'nope'))).toEqual({
      status: 1,
      stdout: '',
      stderr: `open ${path.join(s.dir, 'nope')}: no such file or directory\n`,
    });
    const junk = await runIn('this is not a tar archive at all', 'import-layer', '--id', 'junk');
    expect(junk.status).toBe(1);
    expect(junk.stderr).not.toMatch(/\n\s+at /);
    const cut = await runIn((await readFile(tars.tar)).subarray(0, 700), 'import-layer', '--id', 'cut');
    expect(cut).toMatchObject({ status: 1, stdout: '' });
    expect(cut.stderr).toMatch(/unexpected EOF/);
    expect((await run('layers', '-q')).stdout).toBe('base\n');
    expect(await run('create-layer', '--bogus')).toMatchObject({ status: 125, stdout: '' });
    expect((await run('create-layer', '--bogus')).stderr).toBe("flag provided but not defined: --bogus\nSee 'containers-storage create-layer --help'.\n");
    expect(await run('create-layer', 'a', 'b')).toMatchObject({ status: 1, stdout: expect.stringMatching(/^create-layer: too many arguments \(\[a b\]\)\.\n/) });
    // An empty stream is an empty layer.
    expect(await runIn('', 'import-layer', '--id', 'empty')).toEqual({ status: 0, stdout: 'empty\n', stderr: '' });
  });

  it('layer data: set from stdin and file, list, get to stdout and file, errors', async () => {
    await run('create-layer', '--id', 'base', '-n', 'b1');
    expect(await runIn('hello\n', 'set-layer-data', 'b1', 'k1')).toEqual({ status: 0, stdout: '', stderr: '' });
    const f = path.join(s.dir, 'data');
    await writeFile(f, Buffer.from([0, 1, 2, 255]));
    expect((await run('setlayerdata', '-f', f, 'base', 'bin')).status).toBe(0);
    expect(await run('list-layer-data', 'base')).toEqual({ status: 0, stdout: 'k1\nbin\n', stderr: '' });
    expect((await run('listlayerdata', '-j', 'b1')).stdout).toBe('["k1","bin"]\n');
    expect(await run('get-layer-data', 'b1', 'k1')).toEqual({ status: 0, stdout: 'hello\n', stderr: '' });
    const outFile = path.join(s.dir, 'out');
    expect((await run('getlayerdata', '-f', outFile, 'base', 'bin')).status).toBe(0);
    expect(await readFile(outFile)).toEqual(Buffer.from([0, 1, 2, 255]));
    expect(await run('get-layer-data', 'base', 'k2')).toEqual({
      status: 1,
      stdout: '',
      stderr: 'locating item named "k2" for layer with ID "base": file does not exist\n',
    });
    expect(await run('get-layer-data', 'nosuch', 'k1')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect(await run('list-layer-data', 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect((await run('set-layer-data', 'base', 'x', '-f', f)).status).toBe(1); // options after a positional are positional
    expect((await run('get-layer-data', 'base')).stdout).toMatch(/^get-layer-data: more arguments required\.\n/);
    await run('create-layer', '--id', 'bare');
    expect((await run('list-layer-data', '--json', 'bare')).stdout).toBe('null\n');
  });

  it('mount, mounted, unmount (counts, names resolved, JSON, errors), layer-parent-owners', async () => {
    await run('import-layer', '--id', 'base', '-n', 'b1', '-f', tars.tar);
    const m1 = await run('mount', 'b1', 'nosuch');
    expect(m1.status).toBe(1);
    const [mp, empty] = m1.stdout.split('\n');
    expect(empty).toBe('');
    expect(m1.stderr).toBe('layer not known while mounting nosuch\n');
    expect(await readFile(path.join(mp!, 'd/f1'), 'utf8')).toBe('hello');
    expect(mp).toBe(driver === 'vfs' ? path.join(s.graph, 'vfs/dir/base') : path.join(s.graph, 'overlay/base/merged'));
    expect(JSON.parse((await run('mount', '--json', '-o', 'ignored', 'base')).stdout)).toEqual([{ id: 'base', mountpoint: mp, error: '' }]);
    expect(await run('mounted', 'base', 'nosuch')).toEqual({ status: 1, stdout: 'base mounted\n', stderr: 'layer not known checking if base is mounted\n'.replace('base is', 'nosuch is') });
    expect(await run('mounted', '--json', 'b1')).toEqual({ status: 0, stdout: 'b1 mounted\n[{"id":"b1","error":""}]\n', stderr: '' });
    expect(await run('layer-parent-owners', 'base')).toEqual({ status: 0, stdout: 'ID: base\n', stderr: '' });
    expect(await run('layer-parent-owners', '-j', 'b1', 'nosuch')).toEqual({ status: 1, stdout: '{"ID":"base","UIDs":null,"GIDs":null}\n', stderr: '' });
    // Two mounts: the first unmount only drops the count.
    expect(await run('unmount', 'base')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await run('umount', 'b1')).toEqual({ status: 0, stdout: 'b1 mountpoint unmounted\n', stderr: '' });
    expect(await run('mounted', 'base')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await run('unmount', '--json', 'base', 'nosuch')).toEqual({
      status: 1,
      stdout: 'base mountpoint unmounted\n[{"id":"base","error":""},{"id":"nosuch","error":"layer not known"}]\n',
      stderr: '',
    });
    expect((await run('mount', 'base', 'base')).status).toBe(0);
    expect(await run('unmount', '-f', 'base')).toEqual({ status: 0, stdout: 'base mountpoint unmounted\n', stderr: '' });
    expect(await run('unmount', mp!)).toEqual({ status: 1, stdout: '', stderr: `layer not known while unmounting ${mp}\n` });
    expect((await run('mount', '-r', 'nosuch')).stderr).toBe('locating image with ID "nosuch": image not known while mounting nosuch\n');
    if (driver === 'overlay') expect(existsSync(path.join(mp!, 'd'))).toBe(false);

    // A mapped, mounted layer reports the unmapped owners of the directories above it.
    await run('create-layer', '--id', 'mapped', '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536');
    expect(await run('layer-parent-owners', 'mapped')).toEqual({ status: 1, stdout: '', stderr: 'LayerParentOwner: layer is not mounted\n' });
    await run('mount', 'mapped');
    expect(await run('layer-parent-owners', 'mapped')).toEqual({ status: 0, stdout: 'ID: mapped\nUIDs: [0]\nGIDs: [0]\n', stderr: '' });
    await run('unmount', 'mapped');
  });

  it('mount -r mounts an image read-only; containers mount their layer; unmount falls back to images', async () => {
    await run('import-layer', '--id', 'L', '-f', tars.tar);
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    let ctrLayer: string;
    try {
      await store.createImage({ id: 'img', names: ['myimg'], topLayer: 'L' });
      ctrLayer = (await store.createContainer({ id: 'ctr', names: ['c1'], image: 'img' })).layer;
    } finally {
      await store.close();
    }
    const ro = await run('mount', '--read-only', 'myimg');
    expect(ro).toMatchObject({ status: 0, stderr: '' });
    expect(await readFile(path.join(ro.stdout.trim(), 'f2'), 'utf8')).toBe('world');
    if (driver === 'overlay') await expect(writeFile(path.join(ro.stdout.trim(), 'x'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
    const c = await run('mount', 'c1');
    expect(c.stdout).toContain(ctrLayer!);
    expect(await run('mounted', 'ctr', ctrLayer!.slice(0, 12))).toEqual({ status: 0, stdout: `ctr mounted\n${ctrLayer!.slice(0, 12)} mounted\n`, stderr: '' });
    expect((await run('layers', '-t')).stdout).toContain(`    mount: ${c.stdout.trim()}\n    container: ctr\n`);
    expect(await run('unmount', 'c1', 'myimg')).toEqual({ status: 0, stdout: 'c1 mountpoint unmounted\n', stderr: '' });
    expect(await run('mounted', 'c1', 'L')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('changes, diffsize, diff (tar-split, compression choice, -f), applydiff', async () => {
    const tarBytes = await readFile(tars.tar);
    await run('import-layer', '--id', 'base', '-n', 'b1', '-f', tars.tgz);
    const changes = await run('changes', 'b1');
    expect(changes.stdout.split('\n').filter(Boolean).sort()).toEqual(['Add "/d"', 'Add "/d/f1"', 'Add "/f2"', 'Add "/link"']);
    const json = JSON.parse((await run('changes', '--json', 'base')).stdout);
    expect(json.map((c: { Path: string }) => c.Path).sort()).toEqual(['/d', '/d/f1', '/f2', '/link']);
    expect(json.every((c: { Kind: number }) => c.Kind === 1)).toBe(true);
    // Regular files and the symlink's target text (lstat sizes, as upstream): 5 + 5 + 4.
    expect(await run('diffsize', 'base')).toEqual({ status: 0, stdout: '14\n', stderr: '' });
    expect(await run('diff-size', 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });

    // Byte-exact from the tar-split: uncompressed, and gzip by default (the import was gzip).
    const plain = await run('diff', '-u', 'base');
    expect(Buffer.from(plain.stdout, 'latin1').length).toBeGreaterThan(0);
    const file = path.join(s.dir, 'out.tar');
    expect((await run('diff', '-u', '-f', file, 'b1')).status).toBe(0);
    expect((await readFile(file)).equals(tarBytes)).toBe(true);
    const gz = path.join(s.dir, 'out.tgz');
    expect((await run('diff', '-f', gz, 'base')).status).toBe(0);
    expect(execFileSync('gzip', ['-dc', gz]).equals(tarBytes)).toBe(true);
    expect((await run('diff', '-c', '-u', '-f', gz, 'base')).status).toBe(0);
    expect((await readFile(gz)).subarray(0, 2)).toEqual(Buffer.from([0x1f, 0x8b]));
    expect(await run('diff', '-x', '-c', 'base')).toEqual({ status: 1, stdout: '', stderr: 'unsupported compression format tar.xz\n' });
    expect(await run('diff', '--bz2', 'base')).toEqual({ status: 1, stdout: '', stderr: 'unsupported compression format tar.bz2\n' });
    const left = path.join(s.dir, 'left.tar');
    expect(await run('diff', '-f', left, 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect((await stat(left)).size).toBe(0);

    // applydiff onto a child: the child's changes, then its diff reproduces the applied tar.
    await run('create-layer', '--id', 'child', 'base');
    const upper = path.join(s.dir, 'upper');
    execFileSync('sh', ['-c', `mkdir -p ${upper}/d && printf new > ${upper}/d/f3 && : > ${upper}/.wh.f2 && tar --numeric-owner --owner=0 --group=0 -C ${upper} -cf ${upper}.tar d/f3 .wh.f2`]);
    expect(await runIn(await readFile(`${upper}.tar`), 'applydiff', 'child')).toEqual({ status: 0, stdout: '', stderr: '' });
    const ch = (await run('changes', 'child')).stdout.split('\n').filter(Boolean).sort();
    expect(ch).toEqual(['Add "/d/f3"', 'Delete "/f2"', 'Modify "/d"']);
    const cd = path.join(s.dir, 'child.tar');
    await run('diff', '-f', cd, 'child');
    expect((await readFile(cd)).equals(await readFile(`${upper}.tar`))).toBe(true);
    expect((await run('changes', 'child', 'nosuch')).stdout.split('\n').filter(Boolean).sort()).toEqual(ch);

    expect((await run('applydiff', '-f', tars.tgz, 'child')).status).toBe(0);
    expect(await run('applydiff', '-f', tars.tgz, 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect((await run('apply-diff', 'child', 'ref')).stdout).toMatch(/^apply-diff: too many arguments \(\[child ref\]\)\.\n/);
    const bad = await runIn(tarBytes.subarray(0, 700), 'applydiff', 'child');
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^time="[^"]+" level=error msg="While applying layer: .*unexpected EOF.*"\n.*unexpected EOF/);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
    expect(await run('applydiff-using-staging-dir', 'child', s.dir)).toMatchObject({ status: 1, stdout: '' });
    // Store flags before the command: no storage.conf, so partial images are off, which upstream checks first.
    expect((await run('applydiff-using-staging-dir', 'nosuch', s.dir)).stderr).toBe('partial images are disabled\n');
  });

  it('delete-layer: checks children, images, containers, resolves names, JSON map', async () => {
    await run('create-layer', '--id', 'base', '-n', 'b1');
    await run('create-layer', '--id', 'top', 'base');
    await run('create-layer', '--id', 'lone', '-n', 'l1');
    expect(await run('delete-layer', 'b1', 'nosuch', 'l1')).toEqual({
      status: 1,
      stdout: '',
      stderr: expect.stringMatching(/^b1: used by layer top: layer has children\nnosuch: identifier is not a layer\n$/),
    });
    const json = JSON.parse((await run('deletelayer', '--json', 'base', 'top')).stdout);
    expect(json).toEqual({ base: 'used by layer top: layer has children', top: '' });
    expect((await run('layers', '-q')).stdout).toBe('base\n');
    expect(await run('delete-layer', 'base')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await run('delete-layer')).stdout).toMatch(/^delete-layer: more arguments required\.\n/);
  });
});

it('ID-like patterns used above are sane', () => {
  expect(ID.test('a'.repeat(64))).toBe(true);
});

describe('dedup and the progress line', () => {
  let s: TempStore;
  const run = (...args: string[]) => ours([...s.flags, ...args]);
  beforeEach(async () => {
    s = await tempStore('vfs');
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('dedup: hash methods checked, nothing to share prints 0 (sharing itself: dedup-staging.test.ts)', async () => {
    // An empty store: HEAD prints null for layers --json (1.43 printed []), storage-layers [].
    const [lj, lp, sj] = await Promise.all([run('layers', '--json'), run('layers'), run('storage-layers', '--json')]);
    expect([lj.stdout, lp.stdout, sj.stdout]).toEqual(['null\n', '', '[]\n']);
    expect(await run('dedup')).toEqual({ status: 0, stdout: 'Deduplicated 0 bytes\n', stderr: '' });
    expect(await run('dedup', '--json', '--hash-method', 'size')).toEqual({ status: 0, stdout: '{"Deduped":0}\n', stderr: '' });
    expect(await run('dedup', '--hash-method', 'sha256sum')).toEqual({ status: 1, stdout: '', stderr: 'invalid hash method: sha256sum\n' });
    expect((await run('dedup', 'extra')).stdout).toMatch(/^dedup: too many arguments/);
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver: 'vfs' });
    try {
      await store.createImage({ id: 'img', topLayer: (await store.createLayer({ id: 'L' })).id });
    } finally {
      await store.close();
    }
    // An image whose only layer is empty: no two files to compare, on any file system.
    expect(await run('dedup')).toEqual({ status: 0, stdout: 'Deduplicated 0 bytes\n', stderr: '' });
    expect(await run('dedup', '-j')).toEqual({ status: 0, stdout: '{"Deduped":0}\n', stderr: '' });
  });

  it('import-layer and diff draw progress on a terminal only, never with --json or on a pipe', async () => {
    const dir = s.dir;
    execFileSync('sh', ['-c', `cd ${dir} && mkdir -p p && for i in 1 2 3; do printf x$i > p/f$i; done && tar -cf p.tar p`]);
    const inTTY = (cmd: string) =>
      execFileSync('script', ['-qec', cmd, '/dev/null'], { encoding: 'latin1', env: { ...process.env, TERM: 'dumb' } }).replace(/\r\n/g, '\n');
    const base = [process.execPath, CLI_PATH, ...s.flags].map((a) => `'${a}'`).join(' ');
    const shown = inTTY(`${base} import-layer --id p -f ${dir}/p.tar`);
    expect(shown).toMatch(/\x1b\[Kimport-layer: \[=+\] 100% 10\.0 KiB, 4 entries\n/);
    expect(shown.endsWith('entries\np\n')).toBe(true); // the bar's line is ended before the result
    const json = inTTY(`${base} import-layer --json --id q -f ${dir}/p.tar`);
    expect(json).not.toContain('import-layer:');
    const diff = inTTY(`${base} diff -u -f ${dir}/out.tar p`);
    expect(diff).toMatch(/diff: 10\.0 KiB, 4 entries\n/);
    // Through pipes (the test runner's), nothing but the result.
    expect(await run('import-layer', '--id', 'r', '-f', path.join(dir, 'p.tar'))).toEqual({ status: 0, stdout: 'r\n', stderr: '' });
  });
});

describe('layers of a read-only (additional) store', () => {
  let ro: TempStore;
  let main: TempStore;
  beforeEach(async () => {
    ro = await tempStore('vfs');
    main = await tempStore('vfs');
  });
  afterEach(async () => {
    await main.cleanup();
    await ro.cleanup();
  });

  it('are listed and marked, but cannot be mounted, deleted or applied to', async () => {
    await ours([...ro.flags, 'create-layer', '--id', 'rol', '-n', 'roname']);
    const run = (...args: string[]) => ours([...main.flags, '--storage-opt', `vfs.imagestore=${ro.graph}`, ...args]);
    expect(await run('layer', 'roname')).toEqual({ status: 0, stdout: 'ID: rol\nName: roname\nRead Only: true\n', stderr: '' });
    expect((await run('layers')).stdout).toBe('rol\n\tname: roname\n');
    const m = await run('mount', 'rol');
    expect(m).toMatchObject({ status: 1, stdout: '\n' });
    // cli.md §3.50 (HEAD's wording; 1.43 said "layer not known").
    expect(m.stderr).toBe('mounting read/only store images is not allowed: called a write method on a read-only store while mounting rol\n');
    expect(await run('delete-layer', 'rol')).toEqual({ status: 1, stdout: '', stderr: 'rol: identifier is not a layer\n' });
    expect(await run('applydiff', 'rol')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
  });
});
