import { createHash } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  AmbiguousLayerIDError,
  CorruptFileError,
  DuplicateLayerNameError,
  ImageInUseError,
  LayerHasChildrenError,
  LayerInUseError,
  LayerMountedError,
  LayerUnknownError,
  NotFoundError,
  ReadOnlyStoreError,
  Store,
  StoreClosedError,
  checkStore,
  garbageCollect,
  repairStore,
} from '../src/index.js';
import { IS_ROOT, collect, makeTar, overlayUsable, streamOf, tempDir, unmountUnder } from './helpers.js';
import { DriverAmbiguousError } from '../src/index.js';

const drivers: Array<{ name: string; usable: () => Promise<boolean> }> = [
  { name: 'vfs', usable: async () => IS_ROOT },
  { name: 'overlay', usable: overlayUsable },
];

for (const drv of drivers) {
  const usable = await drv.usable();
  if (!usable) console.warn(`skipping @cs/store ${drv.name} tests: needs root${drv.name === 'overlay' ? ' and the overlay filesystem' : ''}`);
  describe.skipIf(!usable)(`Store on ${drv.name}`, () => {
    let dir: string;
    let store: Store;
    const opts = () => ({ graphRoot: path.join(dir, 'root'), runRoot: path.join(dir, 'run'), driver: drv.name });

    beforeEach(async () => {
      dir = await tempDir(`cs-store-${drv.name}-`);
      store = await Store.open(opts());
    });
    afterEach(async () => {
      await store.close().catch(() => {});
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    });

    it('opens with the upstream layout and reports status and version', async () => {
      for (const sub of ['storage.lock', `${drv.name}-layers/layers.lock`, `${drv.name}-images/images.lock`, `${drv.name}-containers/containers.lock`]) {
        await stat(path.join(dir, 'root', sub));
      }
      const status = await store.status();
      expect(status.slice(0, 4)).toEqual([
        ['Root', path.join(dir, 'root')],
        ['Run Root', path.join(dir, 'run')],
        ['Driver Name', drv.name],
        ['Driver Options', '[]'],
      ]);
      expect(store.version()[0]![0]).toBe('Version');
    });

    it('puts a layer from a tarball; diff reproduces the bytes; names, prefixes and clashes', async () => {
      const tar = await makeTar(dir, { 'a.txt': 'hello', 'd/b.txt': 'world' });
      const { layer } = await store.putLayer({ names: ['base'] }, streamOf(tar));
      expect(layer.uncompressedDigest).toBe(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
      expect(layer.uncompressedSize).toBe(tar.length);
      expect((await store.layer('base')).id).toBe(layer.id);
      expect((await store.layer(layer.id.slice(0, 10))).id).toBe(layer.id);
      const diff = await collect(await store.diff(null, 'base'));
      expect(diff.equals(tar)).toBe(true);
      const child = await store.createLayer({ parent: 'base', names: ['child'] });
      expect(child.parent).toBe(layer.id);
      await expect(store.createLayer({ names: ['base'] })).rejects.toBeInstanceOf(DuplicateLayerNameError);
      await expect(store.layer('nosuch')).rejects.toBeInstanceOf(LayerUnknownError);
      await expect(store.createLayer({ parent: 'nosuch' })).rejects.toMatchObject({ code: 'ERR_LAYER_UNKNOWN' });
      // Two IDs sharing a prefix make that prefix ambiguous.
      await store.createLayer({ id: 'abc1' + 'e'.repeat(60) });
      await store.createLayer({ id: 'abc2' + 'e'.repeat(60) });
      await expect(store.layer('abc')).rejects.toBeInstanceOf(AmbiguousLayerIDError);
      expect(await store.exists('abc1')).toBe(true);
      expect(await store.exists('abc')).toBe(false);
    });

    it('images and containers: big data, sizes, names, metadata, directories', async () => {
      const tar = await makeTar(dir, { f: '123456' });
      const { layer } = await store.putLayer({}, streamOf(tar));
      const img = await store.createImage({ topLayer: layer.id, names: ['img'], metadata: 'image md' });
      await store.setImageBigData('img', 'manifest', '{"x":1}');
      await store.setImageBigData('img', 'Config/Blob', Buffer.from('cfg'));
      expect((await store.image('img')).digests).toEqual([`sha256:${createHash('sha256').update('{"x":1}').digest('hex')}`]);
      expect(await store.imageBigDataNames('img')).toEqual(['manifest', 'Config/Blob']);
      expect((await store.imageBigData('img', 'Config/Blob')).toString()).toBe('cfg');
      expect(await store.imageBigDataSize('img', 'manifest')).toBe(7);
      expect(await store.imageSize('img')).toBe(tar.length + 7 + 3);
      expect(await store.imagesByDigest((await store.image('img')).digest)).toHaveLength(1);
      await expect(store.createImage({ topLayer: 'nosuch' })).rejects.toBeInstanceOf(LayerUnknownError);
      await expect(store.createImage({ names: ['img'] })).rejects.toMatchObject({ code: 'ERR_DUPLICATE_NAME' });

      const ctr = await store.createContainer({ image: 'img', names: ['c1'], metadata: 'ctr md' });
      expect(ctr.image).toBe(img.id);
      expect((await store.layer(ctr.layer)).parent).toBe(layer.id);
      await expect(store.createContainer({ image: 'img', names: ['c1'] })).rejects.toMatchObject({ code: 'ERR_DUPLICATE_NAME' });
      expect((await store.layers()).length).toBe(2); // the clash left no layer behind
      await expect(store.createContainer({ image: 'nosuch' })).rejects.toMatchObject({ code: 'ERR_IMAGE_UNKNOWN' });
      await store.setContainerBigData('c1', 'state', 'abcd');
      expect((await store.containerBigData('c1', 'state')).toString()).toBe('abcd');
      expect(await store.containerBigDataDigest('c1', 'state')).toBe(`sha256:${createHash('sha256').update('abcd').digest('hex')}`);
      const cdir = await store.containerDirectory('c1');
      expect(cdir).toBe(path.join(dir, 'root', `${drv.name}-containers`, ctr.id, 'userdata'));
      expect(await store.containerRunDirectory('c1')).toBe(path.join(dir, 'run', `${drv.name}-containers`, ctr.id, 'userdata'));
      await writeFile(path.join(cdir, 'x'), '12345');
      expect(await store.containerSize('c1')).toBe(4 + 5);

      // generic lookups: layers → images → containers
      expect(await store.lookupKind('img')).toEqual({ kind: 'image', id: img.id });
      expect(await store.lookupKind('c1')).toEqual({ kind: 'container', id: ctr.id });
      expect(await store.metadata('img')).toBe('image md');
      await store.setMetadata('c1', 'new md');
      expect(await store.metadata('c1')).toBe('new md');
      await expect(store.setMetadata('nosuch', 'x')).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.addNames('img', ['a', 'b'])).toEqual(['a', 'b', 'img']);
      expect(await store.removeNames('img', ['a'])).toEqual(['b', 'img']);
      const other = await store.createImage({ names: ['other'] });
      expect(await store.setNames(other.id, ['b'])).toEqual(['b']);
      expect(await store.names('img')).toEqual(['img']); // the name moved
      expect(await store.setNames('c1', ['c2'])).toEqual(['c2']);
    });

    it('mount, write, changes and diffSize through a container; shutdown refuses while mounted', async () => {
      const { layer } = await store.putLayer({}, streamOf(await makeTar(dir, { keep: 'k', gone: 'g' })));
      await store.createImage({ topLayer: layer.id, names: ['img'] });
      const ctr = await store.createContainer({ image: 'img', names: ['c'] });
      const mnt = await store.mount('c');
      expect(await readFile(path.join(mnt, 'keep'), 'utf8')).toBe('k');
      expect(await store.mount(ctr.id)).toBe(mnt);
      expect(await store.mounted('c')).toBe(2);
      await writeFile(path.join(mnt, 'new'), 'abc');
      await rm(path.join(mnt, 'gone'));
      const changes = (await store.changes(null, ctr.layer)).map((c) => `${c.kind}${c.path}`).sort();
      expect(changes).toEqual(['1/new', '2/gone']);
      expect(await store.diffSize(null, ctr.layer)).toBe(3);
      await expect(store.shutdown()).rejects.toBeInstanceOf(LayerMountedError);
      expect(await store.unmount('c')).toBe(true);
      expect(await store.unmount('c')).toBe(false);
      expect(await store.mounted('c')).toBe(0);
      await expect(store.mount('nosuch')).rejects.toBeInstanceOf(LayerUnknownError);
      const tar = await collect(await store.diff(null, ctr.layer));
      expect(tar.includes(Buffer.from('.wh.gone'))).toBe(true);
      const ro = await store.mountImage('img');
      expect(await readFile(path.join(ro, 'keep'), 'utf8')).toBe('k');
      await store.unmountImage('img');
    });

    it('applyDiff onto an existing layer and layer big data', async () => {
      const l = await store.createLayer({ names: ['L'] });
      const tar = await makeTar(dir, { z: 'zz' });
      await store.applyDiff('L', streamOf(tar));
      expect((await store.layer('L')).uncompressedSize).toBe(tar.length);
      await store.setLayerBigData('L', 'item', Buffer.from('data'));
      expect((await collect(await store.layerBigData(l.id, 'item'))).toString()).toBe('data');
      expect(await store.layerBigDataNames('L')).toEqual(['item']);
      await expect(store.layerBigData('L', '')).rejects.toMatchObject({
        code: 'ERR_BIG_DATA_UNKNOWN',
        message: `locating item named "" for layer with ID "${l.id}": file does not exist`, // Go's Store text
      });
      expect(await store.layerSize('L')).toBe(tar.length);
    });

    it('delete rules: children, images and containers protect layers; delete-image removes unused layers', async () => {
      const base = await store.createLayer({ names: ['base'] });
      const top = await store.createLayer({ parent: 'base', names: ['top'] });
      const img = await store.createImage({ topLayer: 'top', names: ['img'] });
      await expect(store.deleteLayer('base')).rejects.toBeInstanceOf(LayerHasChildrenError);
      await expect(store.deleteLayer('top')).rejects.toBeInstanceOf(LayerInUseError);
      await expect(store.deleteLayer('nosuch')).rejects.toBeInstanceOf(NotFoundError);
      const ctr = await store.createContainer({ image: 'img' });
      await expect(store.deleteLayer(ctr.layer)).rejects.toMatchObject({ code: 'ERR_LAYER_IN_USE', by: 'container' });
      await expect(store.createLayer({ parent: ctr.layer })).rejects.toMatchObject({ code: 'ERR_PARENT_IS_CONTAINER' });
      await expect(store.deleteImage('img')).rejects.toBeInstanceOf(ImageInUseError);
      await store.deleteContainer(ctr.id);
      await expect(stat(path.join(dir, 'root', `${drv.name}-containers`, ctr.id))).rejects.toMatchObject({ code: 'ENOENT' });
      await expect(store.deleteContainer(ctr.id)).rejects.toBeInstanceOf(NotFoundError);
      expect(await store.deleteImage('img', false)).toEqual([top.id, base.id]);
      expect((await store.layers()).length).toBe(2);
      expect(await store.deleteImage(img.id)).toEqual([top.id, base.id]);
      expect(await store.layers()).toEqual([]);
      await expect(store.deleteImage('img')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('unchecked delete and wipe', async () => {
      await store.createLayer({ names: ['base'] });
      await store.createLayer({ parent: 'base', names: ['child'] });
      await store.delete('base'); // no child check
      expect((await store.layers()).map((l) => l.names[0])).toEqual(['child']);
      await store.createImage({ names: ['i'], topLayer: 'child' });
      await store.createContainer({ image: 'i', names: ['c'] });
      await expect(store.delete('nosuch')).rejects.toBeInstanceOf(LayerUnknownError);
      await store.wipe();
      expect(await store.layers()).toEqual([]);
      expect(await store.listImages()).toEqual([]);
      expect(await store.listContainers()).toEqual([]);
    });

    it('keeps unknown JSON members written by newer code', async () => {
      await store.createLayer({ names: ['l'] });
      await store.createImage({ names: ['i'] });
      await store.createContainer({ names: ['ktr'] }); // not a hex word: 'c' could be a layer ID prefix
      await store.close();
      for (const kind of ['layers', 'images', 'containers']) {
        const file = path.join(dir, 'root', `${drv.name}-${kind}`, `${kind}.json`);
        const text = await readFile(file, 'utf8');
        await writeFile(file, text.replace(/^\[\{/, '[{"future-field":{"a":[1,2]},'));
      }
      store = await Store.open(opts());
      await store.setNames('l', ['l2']);
      await store.setNames('i', ['i2']);
      await store.setNames('ktr', ['c2']);
      for (const kind of ['layers', 'images', 'containers']) {
        const text = await readFile(path.join(dir, 'root', `${drv.name}-${kind}`, `${kind}.json`), 'utf8');
        expect(text).toContain('"future-field":{"a":[1,2]}');
        expect(text).toContain(`"${kind[0]}2"`);
      }
    });

    it('a second Store sees what the first wrote (last-write tokens)', async () => {
      const second = await Store.open(opts());
      try {
        expect(await second.layers()).toEqual([]);
        const l = await store.createLayer({ names: ['seen'] });
        expect((await second.layer('seen')).id).toBe(l.id);
        await second.createImage({ names: ['img2'], topLayer: 'seen' });
        expect((await store.image('img2')).topLayer).toBe(l.id);
        await second.deleteImage('img2');
        await expect(store.layer('seen')).rejects.toBeInstanceOf(LayerUnknownError);
      } finally {
        await second.close();
      }
    });

    it('a corrupt layers.json refuses to open with a typed error', async () => {
      await store.createLayer();
      await store.close();
      await writeFile(path.join(dir, 'root', `${drv.name}-layers`, 'layers.json'), '[{"id":');
      await expect(Store.open(opts())).rejects.toBeInstanceOf(CorruptFileError);
    });

    it('additional image stores are read-only', async () => {
      const l = await store.createLayer({ names: ['rol'] });
      await store.createImage({ names: ['roimg'], topLayer: l.id });
      await store.close();
      const ro = path.join(dir, 'root');
      store = await Store.open({ graphRoot: path.join(dir, 'root2'), runRoot: path.join(dir, 'run2'), driver: drv.name, driverOptions: [`${drv.name}.imagestore=${ro}`] });
      const img = await store.image('roimg');
      expect(img.readOnly).toBe(true);
      expect((await store.layer('rol')).readOnly).toBe(true);
      expect((await store.listImages()).map((i) => i.names[0])).toEqual(['roimg']);
      await expect(store.setNames('roimg', ['x'])).rejects.toBeInstanceOf(ReadOnlyStoreError);
      await expect(store.mount('rol')).rejects.toBeInstanceOf(ReadOnlyStoreError);
      await expect(store.mount('rol')).rejects.toMatchObject({
        code: 'ERR_READ_ONLY_STORE',
        message: 'mounting read/only store images is not allowed: called a write method on a read-only store', // cli.md §3.50
      });
      await expect(store.deleteImage('roimg')).rejects.toBeInstanceOf(NotFoundError);
    });

    it('check reports damage, repair and gc remove it', async () => {
      const tar = await makeTar(dir, { f: 'x' });
      const { layer } = await store.putLayer({ names: ['keep'] }, streamOf(tar));
      const img = await store.createImage({ topLayer: layer.id });
      await store.setImageBigData(img.id, 'item', 'abc');
      const stray = await store.createLayer();
      expect(await checkStore(store)).toEqual({ layers: {}, roLayers: {}, images: {}, roImages: {}, containers: {} });
      const report = await checkStore(store, { maxAgeMs: 0 });
      expect(Object.keys(report.layers)).toEqual([stray.id]);
      await rm(path.join(dir, 'root', `${drv.name}-images`, img.id, 'item'));
      const driverOnly = 'f'.repeat(64);
      await (await store.driver()).create(driverOnly, null);
      const damaged = await checkStore(store, { maxAgeMs: 0 });
      expect(damaged.images[img.id]![0]).toMatch(/image data item is missing/);
      expect(damaged.layers[driverOnly]![0]).toMatch(/not accounted for/);
      expect(await repairStore(store, damaged)).toEqual([]);
      expect(await store.listImages()).toEqual([]);
      expect(await store.layers()).toEqual([]);
      expect(await (await store.driver()).exists(driverOnly)).toBe(false);
      // gc: directories named like IDs without records
      const orphan = path.join(dir, 'root', `${drv.name}-images`, 'a'.repeat(64));
      await (await import('node:fs/promises')).mkdir(orphan);
      await garbageCollect(store);
      await expect(stat(orphan)).rejects.toMatchObject({ code: 'ENOENT' });
    });

    it('a gzip layer corrupt past its first MiBs fails typed and leaves no layer; the good one imports', async () => {
      const { createHash } = await import('node:crypto');
      const { gzipSync } = await import('node:zlib');
      // Fixed pseudo-random text (a sha256 chain): the same bytes, so the same failure, every run.
      const text = (n: number, seed: string) => Array.from({ length: n }, (_, i) => createHash('sha256').update(`${seed}${i}`).digest('hex')).join('');
      const tar = await makeTar(dir, { 'big/one': text(96 << 10, 'one'), 'big/two': text(32 << 10, 'two'), 'last': 'end' });
      const gz = gzipSync(tar);
      const bad = Buffer.from(gz);
      bad[Math.floor(bad.length * 0.7)]! ^= 0xff; // several inflate pieces (and files) are applied before it
      await expect(store.putLayer({ names: ['half'] }, streamOf(bad))).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_ARCHIVE_/) }); // the bad deflate data, or the tar it garbles first
      expect(await store.layers()).toEqual([]);
      const homes = await (await import('node:fs/promises')).readdir(drv.name === 'vfs' ? path.join(dir, 'root', 'vfs', 'dir') : path.join(dir, 'root', 'overlay'));
      expect(homes.filter((d) => /^[0-9a-f]{64}$/.test(d))).toEqual([]);
      const { layer } = await store.putLayer({ names: ['whole'] }, streamOf(gz));
      expect(layer.compressedSize).toBe(gz.length);
      expect((await collect(await store.diff(null, layer.id, { compression: 'none' }))).equals(tar)).toBe(true);
    });

    it('junk input to putLayer leaves no layer behind; junk applyDiff fails', async () => {
      const junk = Buffer.alloc(4096, 7);
      await expect(store.putLayer({ names: ['junk'] }, streamOf(junk))).rejects.toThrow();
      expect(await store.layers()).toEqual([]);
      const dirs = await (await import('node:fs/promises')).readdir(drv.name === 'vfs' ? path.join(dir, 'root', 'vfs', 'dir') : path.join(dir, 'root', 'overlay'));
      expect(dirs.filter((d) => /^[0-9a-f]{64}$/.test(d))).toEqual([]);
      await store.createLayer({ names: ['L'] });
      await expect(store.applyDiff('L', streamOf(junk))).rejects.toThrow();
      await expect(store.applyDiff('nosuch', streamOf(junk))).rejects.toBeInstanceOf(LayerUnknownError);
    });

    it('parent owners: none for unmapped layers, a mapped layer must be mounted', async () => {
      const plain = await store.createLayer();
      expect(await store.layerParentOwners(plain.id)).toEqual({ uids: [], gids: [] });
      const mapped = await store.createLayer({ uidMap: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMap: [{ containerID: 0, hostID: 100000, size: 65536 }] });
      await expect(store.layerParentOwners(mapped.id)).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_MOUNTED' });
      await store.mount(mapped.id);
      // The directories above the mount point are root's, which the map does not cover.
      expect(await store.layerParentOwners(mapped.id)).toEqual({ uids: [0], gids: [0] });
      await store.unmount(mapped.id);
    });

    it('parent owners: an empty ID map is the identity, as in Go (only the other map reports owners)', async () => {
      const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
      const uidOnly = await store.createLayer({ uidMap: map });
      const gidOnly = await store.createLayer({ gidMap: map });
      expect(uidOnly.gidMap).toEqual([]);
      for (const layer of [uidOnly, gidOnly]) await store.mount(layer.id);
      try {
        // Checked against /usr/bin/containers-storage: `{"ID":"u","UIDs":[0],"GIDs":null}`.
        expect(await store.layerParentOwners(uidOnly.id)).toEqual({ uids: [0], gids: [] });
        expect(await store.layerParentOwners(gidOnly.id)).toEqual({ uids: [], gids: [0] });
      } finally {
        for (const layer of [uidOnly, gidOnly]) await store.unmount(layer.id);
      }
    });

    it('driver-only layers: createStorageLayer shows in storageLayers, not in layers', async () => {
      const recorded = await store.createLayer();
      const id = await store.createStorageLayer();
      expect(await store.storageLayers()).toEqual([recorded.id, id].sort());
      expect((await store.layers()).map((l) => l.id)).toEqual([recorded.id]);
      await expect(store.createStorageLayer({ parent: 'nosuch' })).rejects.toThrow();
    });

    it('digest and top-layer lookups, image directories, remaining big-data getters, container parent owners', async () => {
      const tar = await makeTar(dir, { q: 'q' });
      const { layer } = await store.putLayer({}, streamOf(tar));
      expect((await store.layersByUncompressedDigest(layer.uncompressedDigest)).map((l) => l.id)).toEqual([layer.id]);
      expect((await store.layersByCompressedDigest(layer.compressedDigest)).map((l) => l.id)).toEqual([layer.id]);
      expect(await store.layersByUncompressedDigest('sha256:' + '0'.repeat(64))).toEqual([]);
      const img = await store.createImage({ topLayer: layer.id });
      expect((await store.imagesByTopLayer(layer.id)).map((i) => i.id)).toEqual([img.id]);
      expect(await store.imageDirectory(img.id)).toBe(path.join(dir, 'root', `${drv.name}-images`, img.id, 'userdata'));
      expect(await store.imageRunDirectory(img.id)).toBe(path.join(dir, 'run', `${drv.name}-images`, img.id, 'userdata'));
      await store.setImageBigData(img.id, 'k', 'vv');
      expect(await store.imageBigDataDigest(img.id, 'k')).toBe(`sha256:${createHash('sha256').update('vv').digest('hex')}`);
      await expect(store.imageBigData(img.id, 'missing')).rejects.toMatchObject({ code: 'ERR_BIG_DATA_UNKNOWN' });
      await expect(store.setImageBigData(img.id, '', 'x')).rejects.toMatchObject({ code: 'ERR_INVALID_BIG_DATA_KEY' });
      // Reading an empty key: Go's Store reports it as a missing item (texts checked with the Go CLI).
      await expect(store.imageBigData(img.id, '')).rejects.toMatchObject({
        code: 'ERR_BIG_DATA_UNKNOWN',
        message: `locating item named "" for image with ID "${img.id}" (consider removing the image to resolve the issue): file does not exist`,
      });
      await expect(store.imageBigDataSize(img.id, '')).rejects.toMatchObject({ code: 'ERR_SIZE_UNKNOWN', message: 'size is not known' });
      await expect(store.imageBigDataDigest(img.id, '')).rejects.toMatchObject({
        code: 'ERR_DIGEST_UNKNOWN',
        message: 'could not compute digest of item',
      });
      const ctr = await store.createContainer({ image: img.id });
      await store.setContainerBigData(ctr.id, 'a', 'xyz');
      expect(await store.containerBigDataSize(ctr.id, 'a')).toBe(3);
      expect(await store.containerBigDataNames(ctr.id)).toEqual(['a']);
      await expect(store.containerBigData(ctr.id, 'nope')).rejects.toMatchObject({ code: 'ERR_BIG_DATA_UNKNOWN' });
      expect(await store.containerParentOwners(ctr.id)).toEqual({ uids: [], gids: [] });
      await expect(store.container('nosuch')).rejects.toMatchObject({ code: 'ERR_CONTAINER_UNKNOWN' });
    });

    it('corrupt images.json and containers.json are typed errors', async () => {
      await store.createImage();
      await store.createContainer();
      await store.close();
      await writeFile(path.join(dir, 'root', `${drv.name}-images`, 'images.json'), '[{"id":"x","digest":"sha256:abc"}]');
      await writeFile(path.join(dir, 'root', `${drv.name}-containers`, 'containers.json'), '{"not":"an array"}');
      // The image and container stores load on first use: the layer store still opens.
      store = await Store.open(opts());
      await expect(store.listImages()).rejects.toBeInstanceOf(CorruptFileError);
      await expect(store.listContainers()).rejects.toBeInstanceOf(CorruptFileError);
      await expect(store.createImage()).rejects.toBeInstanceOf(CorruptFileError);
    });

    it('shutdown(force) unmounts everything yet still reports the mounted layer', async () => {
      const l = await store.createLayer();
      await store.mount(l.id);
      await store.mount(l.id);
      await expect(store.shutdown(true)).rejects.toBeInstanceOf(LayerMountedError);
      expect(await store.mounted(l.id)).toBe(0);
      await store.shutdown();
    });

    it('a container with other ID maps gets a mapped copy of the image top layer, reused and deleted with the image', async () => {
      const { layer: base } = await store.putLayer({}, streamOf(await makeTar(dir, { f: 'base' })));
      const { layer: top } = await store.putLayer({ parent: base.id }, streamOf(await makeTar(dir, { g: 'top' })));
      const img = await store.createImage({ topLayer: top.id });
      const maps = [{ containerID: 0, hostID: 100000, size: 65536 }];
      const c1 = await store.createContainer({ image: img.id, uidMap: maps, gidMap: maps });
      const mappedIDs = (await store.image(img.id)).mappedTopLayers;
      expect(mappedIDs).toHaveLength(1);
      const mapped = await store.layer(mappedIDs[0]!);
      expect(mapped).toMatchObject({ parent: base.id, uidMap: maps, gidMap: maps, uncompressedDigest: top.uncompressedDigest, compressedDigest: top.compressedDigest });
      expect((await store.layer(c1.layer)).parent).toBe(mapped.id);
      const mnt = await store.mount(c1.id);
      expect((await stat(path.join(mnt, 'g'))).uid).toBe(100000);
      await store.unmount(c1.id);
      const c2 = await store.createContainer({ image: img.id, uidMap: maps, gidMap: maps });
      expect((await store.layer(c2.layer)).parent).toBe(mapped.id);
      expect((await store.image(img.id)).mappedTopLayers).toHaveLength(1);
      const plain = await store.createContainer({ image: img.id });
      expect((await store.layer(plain.layer)).parent).toBe(top.id);
      for (const c of [c1, c2, plain]) await store.deleteContainer(c.id);
      expect((await store.deleteImage(img.id)).sort()).toEqual([mapped.id, top.id, base.id].sort());
      expect(await store.layers()).toEqual([]);
    });

    it('mountImage of an image whose top layer is ID-mapped mounts a host-mapped copy', async () => {
      const maps = [{ containerID: 0, hostID: 200000, size: 65536 }];
      const { layer } = await store.putLayer({ uidMap: maps, gidMap: maps }, streamOf(await makeTar(dir, { m: 'mapped' })));
      const img = await store.createImage({ topLayer: layer.id });
      const mnt = await store.mountImage(img.id);
      expect((await stat(path.join(mnt, 'm'))).uid).toBe(0);
      const [copy] = (await store.image(img.id)).mappedTopLayers;
      expect(await store.mounted(copy!)).toBe(1);
      expect(await store.unmountImage(img.id)).toBe(false);
      expect(await store.mounted(copy!)).toBe(0);
    });

    it('shutdown closes the store; later calls fail with StoreClosedError', async () => {
      await store.shutdown();
      await expect(store.layers()).rejects.toBeInstanceOf(StoreClosedError);
      store = await Store.open(opts());
      expect(await store.layers()).toEqual([]);
    });
  });
}

const overlayOK = await overlayUsable();
describe.skipIf(!overlayOK)('driver detection when none is configured', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await tempDir('cs-store-detect-');
  });
  afterEach(async () => {
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  it('picks the driver home already in the graph root, else overlay; vfs homes do not count (as upstream)', async () => {
    const g = path.join(dir, 'root');
    const r = path.join(dir, 'run');
    const first = await Store.open({ graphRoot: g, runRoot: r });
    expect(first.driverName).toBe('overlay');
    await first.close();
    const again = await Store.open({ graphRoot: g, runRoot: r });
    expect(again.driverName).toBe('overlay');
    await again.close();
    const v = path.join(dir, 'vfsroot');
    await (await Store.open({ graphRoot: v, runRoot: r, driver: 'vfs' })).close();
    const guessed = await Store.open({ graphRoot: v, runRoot: path.join(dir, 'run2') });
    expect(guessed.driverName).toBe('overlay');
    await guessed.close();
    await (await import('node:fs/promises')).mkdir(path.join(g, 'btrfs'));
    await expect(Store.open({ graphRoot: g, runRoot: r })).rejects.toBeInstanceOf(DriverAmbiguousError);
  });
});
