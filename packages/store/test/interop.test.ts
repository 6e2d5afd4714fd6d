import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store } from '../src/index.js';
import { IS_ROOT, collect, makeTar, overlayUsable, streamOf, tempDir, unmountUnder } from './helpers.js';

const GO = '/usr/bin/containers-storage';
const haveGo = await stat(GO).then(
  () => true,
  () => false,
);

/** Runs the Go CLI; resolves stdout as a Buffer. */
function goCLI(args: string[], input?: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const child = execFile(GO, args, { encoding: 'buffer', maxBuffer: 1 << 30 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`containers-storage ${args.join(' ')}: ${err.message}\n${stderr.toString()}`));
      else resolve(stdout);
    });
    if (input !== undefined) child.stdin!.end(input);
  });
}

const sha = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;

for (const driver of ['vfs', 'overlay']) {
  const usable = haveGo && IS_ROOT && (driver === 'vfs' || (await overlayUsable()));
  if (!usable) console.warn(`skipping @cs/store interop on ${driver}: needs root, ${GO}${driver === 'overlay' ? ' and overlayfs' : ''}`);
  describe.skipIf(!usable)(`interop with the Go CLI on ${driver}`, () => {
    let dir: string;
    let graphRoot: string;
    let runRoot: string;
    const go = (...args: string[]) => goCLI(['--graph', graphRoot, '--run', runRoot, '--storage-driver', driver, ...args]);
    const goIn = (input: Buffer, ...args: string[]) => goCLI(['--graph', graphRoot, '--run', runRoot, '--storage-driver', driver, ...args], input);

    beforeEach(async () => {
      dir = await tempDir(`cs-store-interop-${driver}-`);
      graphRoot = path.join(dir, 'root');
      runRoot = path.join(dir, 'run');
    });
    afterEach(async () => {
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    });

    it('Go writes layers, images with big data and containers; we list, read, mount and diff them', async () => {
      // A generated tarball keeps this quick (the bench data's small.tar has 54k files); base.tar is used by the crash test.
      const tar = await makeTar(dir, { 'etc/hostname': 'box\n', 'bin/tool': 'x'.repeat(3000), 'usr/lib/a/b/c': 'deep' });
      const tarFile = path.join(dir, 'layer.tar');
      await writeFile(tarFile, tar);
      const layerID = (await go('import-layer', '-n', 'golayer', '-f', tarFile)).toString().split(/[\n\t]/)[0]!;
      const upper = await makeTar(dir, { 'added.txt': 'added by go' });
      await writeFile(path.join(dir, 'upper.tar'), upper);
      const upperID = (await go('import-layer', '-n', 'goupper', '-f', path.join(dir, 'upper.tar'), layerID)).toString().split(/[\n\t]/)[0]!;
      const imageID = (await go('create-image', '-n', 'goimage', '-m', 'go metadata', upperID)).toString().split(/[\n\t]/)[0]!;
      await writeFile(path.join(dir, 'manifest'), '{"schemaVersion":2}');
      await go('set-image-data', '-f', path.join(dir, 'manifest'), imageID, 'manifest');
      const ctrID = (await go('create-container', '-n', 'goctr', imageID)).toString().split(/[\n\t]/)[0]!;
      await writeFile(path.join(dir, 'cfg'), 'container config');
      await go('set-container-data', '-f', path.join(dir, 'cfg'), ctrID, 'Config/Blob');

      const store = await Store.open({ graphRoot, runRoot, driver });
      try {
        const layers = await store.layers();
        expect(layers.map((l) => l.id)).toEqual(expect.arrayContaining([layerID, upperID]));
        const base = await store.layer('golayer');
        expect(base.uncompressedDigest).toBe(sha(tar));
        const img = await store.image('goimage');
        expect(img.id).toBe(imageID);
        expect(img.metadata).toBe('go metadata');
        expect((await store.imageBigData(imageID, 'manifest')).toString()).toBe('{"schemaVersion":2}');
        expect(img.digests).toEqual([sha('{"schemaVersion":2}')]);
        const ctr = await store.container('goctr');
        expect(ctr.image).toBe(imageID);
        expect((await store.containerBigData('goctr', 'Config/Blob')).toString()).toBe('container config');
        // diff of a Go-imported layer replays the imported bytes exactly
        expect((await collect(await store.diff(null, layerID, { compression: 'none' }))).equals(tar)).toBe(true);
        expect((await collect(await store.diff(null, upperID, { compression: 'none' }))).equals(upper)).toBe(true);
        const mnt = await store.mount('goctr');
        expect(await readFile(path.join(mnt, 'added.txt'), 'utf8')).toBe('added by go');
        await store.unmount('goctr');
        // and Go still sees a consistent store afterwards
        expect(JSON.parse((await go('layers', '--json')).toString())).toHaveLength(3);
      } finally {
        await store.close();
      }
    });

    it('a Go shutdown while our Store is open: we notice the storage.lock token and re-open the driver', async () => {
      const store = await Store.open({ graphRoot, runRoot, driver });
      try {
        const layer = await store.putLayer({ names: ['x'] }, streamOf(await makeTar(dir, { f: 'file' })));
        // While we stay open, a Go write shows up at once (last-write tokens), and ours in Go.
        const goLayer = (await go('create-layer', '-n', 'fromgo', layer.layer.id)).toString().split(/[\n\t]/)[0]!;
        expect((await store.layer('fromgo')).id).toBe(goLayer);
        await store.createImage({ names: ['fromts'], topLayer: goLayer });
        expect(JSON.parse((await go('image', '--json', 'fromts')).toString())[0].layer).toBe(goLayer);
        await go('delete', 'fromts'); // the image record only (delete-image would also take both layers)
        await go('delete-layer', goLayer);
        await expect(store.layer('fromgo')).rejects.toMatchObject({ code: 'ERR_LAYER_UNKNOWN' });
        await go('shutdown');
        const mnt = await store.mount(layer.layer.id);
        expect(await readFile(path.join(mnt, 'f'), 'utf8')).toBe('file');
        // Go sees our mount count and refuses to shut down while it is held
        await expect(go('shutdown')).rejects.toThrow(/layer is in use/);
        await store.unmount(layer.layer.id);
        await store.shutdown();
        await go('layers');
      } finally {
        await store.close();
      }
    });

    it('we write layers, images with big data and containers; Go lists, reads, mounts, diffs and deletes them', async () => {
      const store = await Store.open({ graphRoot, runRoot, driver });
      const tar = await makeTar(dir, { 'usr/share/doc/x': 'documentation', 'etc/os-release': 'ID=test\n' });
      const upper = await makeTar(dir, { 'etc/os-release': 'ID=changed\n' });
      let ids: { base: string; top: string; image: string; ctr: string };
      try {
        const { layer: base } = await store.putLayer({ names: ['tsbase'] }, streamOf(tar));
        const { layer: top } = await store.putLayer({ names: ['tstop'], parent: base.id }, streamOf(upper));
        const image = await store.createImage({ topLayer: top.id, names: ['tsimage'], metadata: 'ts md' });
        await store.setImageBigData(image.id, 'manifest', '{"m":1}');
        await store.setImageBigData(image.id, 'sha256:' + 'a'.repeat(64), 'config bytes');
        const ctr = await store.createContainer({ image: image.id, names: ['tsctr'] });
        await store.setContainerBigData(ctr.id, 'state', 'running');
        ids = { base: base.id, top: top.id, image: image.id, ctr: ctr.id };
      } finally {
        await store.close();
      }
      const layers = JSON.parse((await go('layers', '--json')).toString()) as Array<{ id: string; 'diff-digest'?: string; names?: string[] }>;
      expect(layers.map((l) => l.id).sort()).toEqual([ids.base, ids.top, (JSON.parse((await go('container', '--json', 'tsctr')).toString()) as Array<{ layer: string }>)[0]!.layer].sort());
      expect(layers.find((l) => l.id === ids.base)!['diff-digest']).toBe(sha(tar));
      const images = JSON.parse((await go('images', '--json')).toString()) as Array<{ id: string; names: string[]; digest: string }>;
      expect(images).toHaveLength(1);
      expect(images[0]!.names).toEqual(['tsimage']);
      expect(images[0]!.digest).toBe(sha('{"m":1}'));
      expect((await go('get-image-data', 'tsimage', 'manifest')).toString()).toBe('{"m":1}');
      expect((await go('get-container-data', 'tsctr', 'state')).toString()).toBe('running');
      expect((await go('metadata', '-q', 'tsimage')).toString()).toBe('ts md\n');
      // Go regenerates our layers' tarballs byte for byte from our tar-split files
      expect((await go('diff', '-u', ids.base)).equals(tar)).toBe(true);
      expect((await go('diff', '-u', ids.top)).equals(upper)).toBe(true);
      const mnt = (await go('mount', 'tsctr')).toString().trim();
      expect(await readFile(path.join(mnt, 'etc/os-release'), 'utf8')).toBe('ID=changed\n');
      expect(await readFile(path.join(mnt, 'usr/share/doc/x'), 'utf8')).toBe('documentation');
      await go('unmount', 'tsctr');
      await go('delete-container', 'tsctr');
      const deleted = await goCLI(['--graph', graphRoot, '--run', runRoot, '--storage-driver', driver, 'delete-image', '--json', 'tsimage']);
      expect(JSON.parse(deleted.toString())['tsimage']['deleted-layers'].sort()).toEqual([ids.base, ids.top].sort());
      expect(JSON.parse((await go('layers', '--json')).toString()) ?? []).toEqual([]);
      // Our store opens the emptied store cleanly.
      const again = await Store.open({ graphRoot, runRoot, driver });
      try {
        expect(await again.layers()).toEqual([]);
        expect(await again.listImages()).toEqual([]);
      } finally {
        await again.close();
      }
      void goIn;
    });
  });
}
