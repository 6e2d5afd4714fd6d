import { createHash } from 'node:crypto';
import { chown, mkdir, readdir, readFile, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Store } from '@cs/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cs, DRIVERS, tempStore, type TempStore } from './helpers.js';

const sha256 = (data: Uint8Array | string) => `sha256:${createHash('sha256').update(data).digest('hex')}`;

describe.each(DRIVERS)('image and container commands on %s', (driver) => {
  let s: TempStore;
  let base: string;
  const run = (args: string[], input?: string | Buffer) => cs([...s.flags, ...args], { input });

  beforeEach(async () => {
    s = await tempStore(driver);
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      base = (await store.createLayer({ names: ['baselayer'] })).id;
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('create-image, image, images: plain and JSON shapes, names, failures', async () => {
    const created = await run(['create-image', '--json', '--id', 'img1', '-n', 'one', '-n', 'two', '-m', 'meta', 'baselayer']);
    expect(created.status).toBe(0);
    const json = JSON.parse(created.stdout);
    expect(Object.keys(json)).toEqual(['id', 'names', 'layer', 'metadata', 'created']);
    expect(json).toMatchObject({ id: 'img1', names: ['one', 'two'], layer: base, metadata: 'meta' });
    expect(await run(['createimage', '-i', 'img2', ''])).toEqual({ status: 0, stdout: 'img2\n', stderr: '' });
    expect(await run(['images', '-q'])).toEqual({ status: 0, stdout: 'img1\nimg2\n', stderr: '' });
    expect(await run(['image', 'two', 'nosuch'])).toEqual({
      status: 1,
      stdout: `ID: img1\nName: one\nName: two\nTop Layer: ${base}\nSize: 0\n`,
      stderr: '',
    });
    expect(await run(['create-image', '-n', 'one'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'image name "one" is already associated with image "img1": that name is already in use\n',
    });
    expect(await run(['create-image', 'nosuch'])).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect(await run(['create-image', 'a', 'b'])).toMatchObject({ status: 1, stdout: expect.stringMatching(/^create-image: too many arguments \(\[a b\]\)\.\n/) });
    expect(await run(['images', '--bogus'])).toEqual({
      status: 125,
      stdout: '',
      stderr: "flag provided but not defined: --bogus\nSee 'containers-storage images --help'.\n",
    });
    const empty = await tempStore(driver);
    try {
      expect(await cs([...empty.flags, 'images', '--json'])).toEqual({ status: 0, stdout: 'null\n', stderr: '' });
    } finally {
      await empty.cleanup();
    }
  });

  it('image data: binary round trip through stdin and -f, sizes, digests, the manifest digest, missing items', async () => {
    await run(['create-image', '--id', 'img1', '-n', 'named', 'baselayer']);
    const bytes = Buffer.from([0, 255, 10, 13, 0x80, 65]);
    expect(await run(['set-image-data', 'named', 'blob'], bytes)).toEqual({ status: 0, stdout: '', stderr: '' });
    const file = path.join(s.dir, 'manifest.json');
    await writeFile(file, '{"schemaVersion":2}');
    expect((await run(['setimagedata', '-f', file, 'img1', 'manifest'])).status).toBe(0);
    expect(await run(['list-image-data', 'img1'])).toEqual({ status: 0, stdout: 'blob\nmanifest\n', stderr: '' });
    expect((await run(['list-image-data', '-j', 'img1'])).stdout).toBe('["blob","manifest"]\n');
    const got = await cs([...s.flags, 'get-image-data', 'img1', 'blob']);
    expect(Buffer.from(got.stdout, 'latin1').length).toBeGreaterThan(0);
    const out = path.join(s.dir, 'out.bin');
    expect((await run(['get-image-data', '-f', out, 'img1', 'blob'])).status).toBe(0);
    expect(await readFile(out)).toEqual(bytes);
    expect(await run(['get-image-data-size', 'img1', 'blob'])).toEqual({ status: 0, stdout: '6\n', stderr: '' });
    expect(await run(['get-image-data-digest', 'img1', 'blob'])).toEqual({ status: 0, stdout: `${sha256(bytes)}\n`, stderr: '' });
    // A manifest item's digest becomes the image's digest and is searchable.
    const manifestDigest = sha256('{"schemaVersion":2}');
    expect((await run(['image', 'img1'])).stdout).toContain(`Digest: ${manifestDigest}\nData: blob\nData: manifest\nSize: 25\n`);
    expect(await run(['images-by-digest', '-q', manifestDigest])).toEqual({ status: 0, stdout: 'img1\n', stderr: '' });
    expect(await run(['images-by-digest', '--json', sha256('other')])).toEqual({ status: 0, stdout: '[]\n', stderr: '' });
    // Missing item with -f: the file is created (empty) first, as upstream.
    const missingOut = path.join(s.dir, 'missing.bin');
    const missing = await run(['get-image-data', '-f', missingOut, 'img1', 'nosuch']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toContain('does not exist');
    expect((await stat(missingOut)).size).toBe(0);
    expect(await run(['get-image-data-size', 'img1', 'nosuch'])).toEqual({ status: 1, stdout: '', stderr: 'size is not known\n' });
    expect(await run(['get-image-data-digest', 'img1', 'nosuch'])).toEqual({ status: 1, stdout: '', stderr: 'could not compute digest of item\n' });
    expect(await run(['get-image-data', 'nosuch', 'blob'])).toEqual({ status: 1, stdout: '', stderr: 'locating image with ID "nosuch": image not known\n' });
    expect(await run(['set-image-data', '-f', path.join(s.dir, 'absent'), 'img1', 'x'])).toEqual({
      status: 1,
      stdout: '',
      stderr: `open ${path.join(s.dir, 'absent')}: no such file or directory\n`,
    });
  });

  it('images-by-digest validates the digest like go-digest (HEAD: no "<arg>: " prefix)', async () => {
    const cases: Array<[string, string]> = [
      ['nocolon', 'invalid checksum digest format'],
      ['sha256:', 'invalid checksum digest format'],
      ['sha256:abc', 'invalid checksum digest length'],
      [`sha256:${'G'.repeat(64)}`, 'invalid checksum digest format'],
      ['md5:d41d8cd98f00b204e9800998ecf8427e', 'unsupported digest algorithm'],
      ['MD5:x', 'invalid checksum digest format'],
    ];
    for (const [digest, message] of cases) {
      expect(await run(['images-by-digest', digest])).toEqual({ status: 1, stdout: '', stderr: `${message}\n` });
    }
  });

  it('get-image-dir / get-image-run-dir resolve names to the image ID; unknown images fail (upstream never did)', async () => {
    await run(['create-image', '--id', 'img1', '-n', 'named']);
    const dir = await run(['get-image-dir', 'named']);
    expect(dir).toEqual({ status: 0, stdout: `${path.join(s.graph, `${driver}-images`, 'img1', 'userdata')}\n`, stderr: '' });
    expect((await stat(dir.stdout.trim())).mode & 0o777).toBe(0o700);
    expect((await run(['getimagerundir', 'img1'])).stdout).toBe(`${path.join(s.run, `${driver}-images`, 'img1', 'userdata')}\n`);
    expect(await run(['get-image-dir', 'nosuch'])).toEqual({ status: 1, stdout: '', stderr: 'locating image with ID "nosuch": image not known\n' });
  });

  it('delete-image: -t only reports, then deletes the image and its unused layers; in-use and unknown fail', async () => {
    await run(['create-image', '--id', 'img1', 'baselayer']);
    expect(await run(['delete-image', '-t', 'img1'])).toEqual({ status: 0, stdout: '', stderr: `img1: ${base}\n` });
    expect((await run(['images', '-q'])).stdout).toBe('img1\n');
    await run(['create-container', '--id', 'ctr1', 'img1']);
    expect(await run(['delete-image', '--json', 'img1', 'nosuch'])).toEqual({
      status: 1,
      stdout: '{"img1":{"error":"image used by ctr1: image is in use by a container"},"nosuch":{"error":"identifier is not an image"}}\n',
      stderr: '',
    });
    expect((await run(['delete-container', 'ctr1'])).status).toBe(0);
    expect(await run(['delete-image', '--json', 'img1'])).toEqual({ status: 0, stdout: `{"img1":{"deleted-layers":["${base}"]}}\n`, stderr: '' });
    expect(await run(['images', '--json'])).toEqual({ status: 0, stdout: 'null\n', stderr: '' });
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      expect(await store.layers()).toEqual([]);
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
  });

  it('create-container: a name per line, --volatile, ID maps, container/containers, data items, dirs, delete', async () => {
    await run(['create-image', '--id', 'img1', '-n', 'myimage', 'baselayer']);
    expect(await run(['create-container', '--id', 'ctr1', '-n', 'c1', '-n', 'c2', 'myimage'])).toEqual({ status: 0, stdout: 'ctr1\n\tc1\n\tc2\n', stderr: '' });
    const mapped = JSON.parse((await run(['create-container', '-j', '--id', 'ctr2', '--volatile', '--uidmap', '0:100000:1000', '--hostgidmap', 'img1'])).stdout);
    expect(mapped).toMatchObject({
      id: 'ctr2',
      image: 'img1',
      uidmap: [{ container_id: 0, host_id: 100000, size: 1000 }],
      flags: { MountLabel: '', ProcessLabel: '', Volatile: true },
    });
    expect(mapped.gidmap).toBeUndefined();
    expect(Object.keys(mapped)).toEqual(['id', 'image', 'layer', 'created', 'uidmap', 'flags']);
    expect(await run(['create-container', '--id', 'ctr3', '-n', 'c1', 'img1'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'the container name "c1" is already in use by ctr1. You have to remove that container to be able to reuse that name: that name is already in use\n',
    });
    expect(await run(['create-container', '--uidmap', '1:2', 'img1'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'initializing ID mappings: uid setting is malformed expected ["uint32:uint32:uint32"]: ["1:2"]\n',
    });
    expect(await run(['containers'])).toEqual({ status: 0, stdout: 'ctr1\n\tname: c1\n\tname: c2\nctr2\n', stderr: '' });

    expect((await run(['set-container-data', 'c1', 'state'], 'running\n')).status).toBe(0);
    expect(await run(['get-container-data', 'ctr1', 'state'])).toEqual({ status: 0, stdout: 'running\n', stderr: '' });
    expect(await run(['get-container-data-size', 'c2', 'state'])).toEqual({ status: 0, stdout: '8\n', stderr: '' });
    expect(await run(['get-container-data-digest', 'c2', 'state'])).toEqual({ status: 0, stdout: `${sha256('running\n')}\n`, stderr: '' });
    expect(await run(['list-container-data', '--json', 'ctr2'])).toEqual({ status: 0, stdout: 'null\n', stderr: '' });
    expect(await run(['get-container-data', 'nosuch', 'state'])).toEqual({ status: 1, stdout: '', stderr: 'container not known\n' });
    const ctr = await run(['container', 'c1']);
    expect(ctr.stdout).toMatch(/^ID: ctr1\nName: c1\nName: c2\nImage: img1\nImage name: myimage\nSize: 8\nLayer: [0-9a-f]{64}\nData: state\n$/);
    const dir = (await run(['get-container-dir', 'c1'])).stdout.trim();
    expect(dir).toBe(path.join(s.graph, `${driver}-containers`, 'ctr1', 'userdata'));
    expect((await run(['get-container-run-dir', 'c1'])).stdout.trim()).toBe(path.join(s.run, `${driver}-containers`, 'ctr1', 'userdata'));
    // Files in the userdata dirs count in the size.
    await writeFile(path.join(dir, 'f'), '12345');
    expect((await run(['container', 'ctr1'])).stdout).toContain('Size: 13\n');

    const layer = /Layer: (\S+)/.exec(ctr.stdout)![1]!;
    expect(await run(['delete-container', 'c1', 'nosuch'])).toEqual({ status: 1, stdout: '', stderr: 'nosuch: identifier is not a container\n' });
    await expect(stat(path.dirname(dir))).rejects.toMatchObject({ code: 'ENOENT' });
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      expect((await store.layers()).map((l) => l.id)).not.toContain(layer);
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
    expect(await run(['delete-container', '--json', 'ctr2', 'ctr2x'])).toEqual({
      status: 1,
      stdout: '{"ctr2":"","ctr2x":"identifier is not a container"}\n',
      stderr: '',
    });
  });

  it('container-parent-owners: empty lists without maps, the unmapped owners of a mounted mapped layer, failure when unmounted', async () => {
    await run(['create-container', '--id', 'plain', '']);
    await run(['create-container', '--id', 'mapped', '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536', '']);
    expect(await run(['container-parent-owners', 'plain', 'nosuch'])).toEqual({ status: 1, stdout: 'ID: plain\nUIDs: []\nGIDs: []\n', stderr: '' });
    expect(await run(['container-parent-owners', '-j', 'plain'])).toEqual({ status: 0, stdout: '{"ID":"plain","UIDs":null,"GIDs":null}\n', stderr: '' });
    expect(await run(['container-parent-owners', 'mapped'])).toEqual({ status: 1, stdout: '', stderr: 'ContainerParentOwner: layer is not mounted\n' });
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      await store.mount('mapped');
      // The temp dirs above the mount point belong to root (0), which the map does not cover.
      expect(await run(['container-parent-owners', '--json', 'mapped'])).toEqual({ status: 0, stdout: '{"ID":"mapped","UIDs":[0],"GIDs":[0]}\n', stderr: '' });
    } finally {
      await store.unmount('mapped', true);
      await store.shutdown(true).catch(() => store.close());
    }
  });
});

describe('images from a read-only (additional) image store', () => {
  let ro: TempStore;
  let rw: TempStore;
  afterEach(async () => {
    await ro?.cleanup();
    await rw?.cleanup();
  });

  it('are listed, described with "Read Only: true", readable, and not deletable', async () => {
    ro = await tempStore('vfs');
    rw = await tempStore('vfs');
    const store = await Store.open({ graphRoot: ro.graph, runRoot: ro.run, driver: 'vfs' });
    try {
      await store.createImage({ id: 'roimg', names: ['shared'] });
      await store.setImageBigData('roimg', 'item', Buffer.from('ro data'));
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
    const flags = [...rw.flags, '--storage-opt', `vfs.imagestore=${ro.graph}`];
    const run = (...args: string[]) => cs([...flags, ...args]);
    expect(await run('images')).toEqual({ status: 0, stdout: 'roimg\n\tname: shared\n\tdata: item\n', stderr: '' });
    expect(await run('image', 'shared')).toEqual({ status: 0, stdout: 'ID: roimg\nName: shared\nTop Layer: \nData: item\nSize: 7\nRead Only: true\n', stderr: '' });
    expect(await run('get-image-data', 'shared', 'item')).toEqual({ status: 0, stdout: 'ro data', stderr: '' });
    expect(await run('delete-image', 'shared')).toEqual({ status: 1, stdout: '', stderr: 'shared: identifier is not an image\n' });
  });
});

describe.each(DRIVERS)('copy on %s', (driver) => {
  let s: TempStore;
  const run = (args: string[]) => cs([...s.flags, ...args]);
  let plain: string;
  let mapped: string;

  beforeEach(async () => {
    s = await tempStore(driver);
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      plain = (await store.createLayer({ names: ['plain'] })).id;
      mapped = (await store.createLayer({ names: ['mapped'], uidMap: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMap: [{ containerID: 0, hostID: 200000, size: 65536 }] })).id;
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
  });
  afterEach(async () => {
    await s.cleanup();
  });

  /** Runs `fn` with the layer mounted through the library, so its files can be checked. */
  async function inLayer<T>(ref: string, fn: (root: string) => Promise<T>): Promise<T> {
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      const root = await store.mount(ref);
      try {
        return await fn(root);
      } finally {
        await store.unmount(ref, true);
      }
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
  }

  it('host → layer → mapped layer → host, translating owners through both ID maps and --chown', async () => {
    const src = path.join(s.dir, 'src');
    await mkdir(path.join(src, 'd'), { recursive: true });
    await writeFile(path.join(src, 'd', 'f'), 'content');
    await chown(path.join(src, 'd', 'f'), 1000, 1001);
    expect(await run(['copy', src, 'plain:/tree'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await run(['copy', 'plain:/tree', 'mapped:/copied'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await run(['copy', '--chown', '5:6', 'plain:/tree/d/f', 'mapped:/chowned'])).toEqual({ status: 0, stdout: '', stderr: '' });
    await inLayer('mapped', async (root) => {
      expect(await readFile(path.join(root, 'copied', 'd', 'f'), 'utf8')).toBe('content');
      expect(await stat(path.join(root, 'copied', 'd', 'f'))).toMatchObject({ uid: 101000, gid: 201001 });
      // The new destination directory belongs to the layer's root (container 0:0).
      expect(await stat(path.join(root, 'copied'))).toMatchObject({ uid: 100000, gid: 200000 });
      expect(await stat(path.join(root, 'chowned'))).toMatchObject({ uid: 100005, gid: 200006 });
    });
    const out = path.join(s.dir, 'out');
    expect(await run(['copy', 'mapped:/copied', out])).toEqual({ status: 0, stdout: '', stderr: '' });
    // Back on the host, the mapped layer's IDs are container IDs again.
    expect(await stat(path.join(out, 'd', 'f'))).toMatchObject({ uid: 1000, gid: 1001 });
    // A host UID outside the source layer's map cannot be expressed: the copy fails.
    const stray = path.join(s.dir, 'stray');
    await writeFile(stray, 'x');
    await chown(stray, 300000, 0);
    expect(await run(['copy', stray, 'plain:/stray'])).toEqual({ status: 0, stdout: '', stderr: '' });
    const bad = await run(['copy', 'plain:/stray', 'mapped:/stray']);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^error copying ".*\/stray" to ".*\/stray": Container UID 300000 cannot be mapped to a host UID\n$/);
  });

  it('writes stay inside the destination layer even through its symlinks (upstream followed them out)', async () => {
    const outside = path.join(s.dir, 'outside');
    await mkdir(outside);
    await inLayer('plain', async (root) => {
      await mkdir(path.join(root, 'inside'));
      await symlink('/inside', path.join(root, 'absolute'));
      await symlink('../../../../../../../..', path.join(root, 'up'));
      await symlink(outside, path.join(root, 'escape'));
    });
    const file = path.join(s.dir, 'payload');
    await writeFile(file, 'payload');
    expect(await run(['copy', file, 'plain:/absolute/payload'])).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await run(['copy', file, 'plain:/up/tmp/payload'])).toEqual({ status: 0, stdout: '', stderr: '' });
    // A link to a host directory means nothing inside the layer: refused, nothing written outside.
    const escaped = await run(['copy', file, 'plain:/escape/payload']);
    expect(escaped.status).toBe(1);
    expect(escaped.stderr).toContain('/escape: not a directory\n');
    expect(await readdir(outside)).toEqual([]);
    await inLayer('plain', async (root) => {
      expect(await readFile(path.join(root, 'inside', 'payload'), 'utf8')).toBe('payload');
      expect(await readFile(path.join(root, 'tmp', 'payload'), 'utf8')).toBe('payload');
    });
  });

  it('failures: arguments, owners, unknown layers, missing sources; mounts are released', async () => {
    expect((await run(['copy', 'plain:/x'])).stdout).toMatch(/^copy: more arguments required\.\n/);
    expect(await run(['copy', '--chown', '1:-1', '/etc/hostname', 'plain:/'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'bad GID: strconv.ParseUint: parsing "-1": invalid syntax\n',
    });
    expect(await run(['copy', '/etc/hostname', 'nosuch:/'])).toEqual({ status: 1, stdout: '', stderr: 'error finding layer "nosuch": layer not known\n' });
    const missing = await run(['copy', '/nonexistent', 'plain:/']);
    expect(missing).toMatchObject({ status: 1, stdout: '' });
    expect(missing.stderr).toMatch(/^error copying "\/nonexistent" to ".*": stat \/nonexistent: no such file or directory\n$/);
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      expect(await store.mounted(plain)).toBe(0);
      expect(await store.mounted(mapped)).toBe(0);
    } finally {
      await store.shutdown(true).catch(() => store.close());
    }
  });
});
