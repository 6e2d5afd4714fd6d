import { mkdir, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store, checkStore, garbageCollect, repairStore } from '../src/index.js';
import { IS_ROOT, collect, holdLock, makeTar, overlayUsable, streamOf, tempDir, unmountUnder } from './helpers.js';

const ids = async (file: string): Promise<string[]> => (JSON.parse(await readFile(file, 'utf8')) as Array<{ id: string }>).map((r) => r.id);
const absent = (file: string) => expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });
const CLEAN = { layers: {}, roLayers: {}, images: {}, roImages: {}, containers: {} };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

for (const drv of ['vfs', 'overlay']) {
  const usable = drv === 'vfs' ? IS_ROOT : await overlayUsable();
  describe.skipIf(!usable)(`gc and check with a split image store on ${drv}`, () => {
    let dir: string;
    let store: Store;
    const graph = (...p: string[]) => path.join(dir, 'root', ...p);
    const split = (...p: string[]) => path.join(dir, 'images', ...p);
    const open = () => Store.open({ graphRoot: graph(), runRoot: path.join(dir, 'run'), driver: drv, imageStore: split() });
    const driverDir = (root: string, id: string) => (drv === 'vfs' ? path.join(root, 'vfs', 'dir', id) : path.join(root, 'overlay', id));
    /** Where a file of the layer's own content lives in its driver dir. */
    const contentFile = (root: string, id: string, name: string) => (drv === 'vfs' ? path.join(driverDir(root, id), name) : path.join(driverDir(root, id), 'diff', name));
    /** An image layer in the image store, an image on it and a container (whose layer is in the graph root). */
    const populate = async () => {
      const tar = await makeTar(dir, { 'a.txt': 'AAAA' });
      const { layer: base } = await store.putLayer({ names: ['base'] }, streamOf(tar));
      const image = await store.createImage({ names: ['img'], topLayer: base.id });
      await store.setImageBigData(image.id, 'k', 'v');
      const ctr = await store.createContainer({ names: ['c'], image: 'img' });
      await stat(driverDir(split(), base.id));
      await stat(driverDir(graph(), ctr.layer));
      return { tar, base, image, ctr };
    };
    /** The recorded layers, images and container are intact and usable. */
    const intact = async ({ tar, base, image, ctr }: Awaited<ReturnType<typeof populate>>) => {
      expect(await ids(split(`${drv}-layers`, 'layers.json'))).toEqual([base.id]);
      expect(await ids(graph(`${drv}-layers`, 'layers.json'))).toEqual([ctr.layer]);
      expect(await ids(split(`${drv}-images`, 'images.json'))).toEqual([image.id]);
      expect(await readFile(split(`${drv}-images`, image.id, 'k'), 'utf8')).toBe('v');
      await stat(graph(`${drv}-layers`, `${base.id}.tar-split.gz`));
      expect((await collect(await store.diff(null, base.id))).equals(tar)).toBe(true);
      const mnt = await store.mount('c');
      expect(await readFile(path.join(mnt, 'a.txt'), 'utf8')).toBe('AAAA');
      await store.unmount('c');
      expect(await checkStore(store)).toEqual(CLEAN);
    };

    beforeEach(async () => {
      dir = await tempDir(`cs-split-gc-${drv}-`);
      store = await open();
    });
    afterEach(async () => {
      await store.close().catch(() => {});
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    });

    it('a fresh store (no image store driver home yet) checks clean and gc succeeds', async () => {
      expect(await checkStore(store, { maxAgeMs: 0 })).toEqual(CLEAN);
      await garbageCollect(store);
      expect(await store.storageLayers()).toEqual([]);
    });

    it('gc removes unrecorded layer dirs in the image store driver home as in the main home, and nothing else', async () => {
      const state = await populate();
      const driver = await store.driver();
      const strayImage = 'a'.repeat(64);
      const strayMain = 'b'.repeat(64);
      const strayBoth = 'c'.repeat(64);
      await driver.create(strayImage, null); // a read-only create lands in the image store
      await driver.createReadWrite(strayMain, null);
      await driver.createReadWrite(strayBoth, null);
      await mkdir(driverDir(split(), strayBoth)); // the same ID once more, in the image store
      expect(await store.storageLayers()).toEqual([strayMain, strayBoth, state.ctr.layer].sort()); // upstream ListLayers: the home only
      const link = drv === 'overlay' ? await readFile(path.join(driverDir(split(), strayImage), 'link'), 'utf8') : '';
      // The layer store's leftovers of the stray image layer (they live in the graph root).
      await writeFile(graph(`${drv}-layers`, `${strayImage}.tar-split.gz`), 'junk');
      await mkdir(graph(`${drv}-layers`, strayImage));
      await writeFile(graph(`${drv}-layers`, strayImage, 'item'), 'x');
      const orphanImageDir = split(`${drv}-images`, 'd'.repeat(64));
      await mkdir(orphanImageDir);
      // What upstream's rule does not count as a layer stays.
      const kept = drv === 'overlay' ? [split('overlay', 'staging'), split('overlay', 'notes')] : [split('vfs', 'dir', 'notes')];
      if (drv === 'overlay') await mkdir(kept[0]!);
      await writeFile(kept.at(-1)!, 'not a directory');

      await garbageCollect(store);

      for (const gone of [driverDir(split(), strayImage), driverDir(graph(), strayMain), driverDir(graph(), strayBoth), driverDir(split(), strayBoth)]) await absent(gone);
      await absent(graph(`${drv}-layers`, `${strayImage}.tar-split.gz`));
      await absent(graph(`${drv}-layers`, strayImage));
      await absent(orphanImageDir);
      for (const k of kept) await stat(k);
      if (drv === 'overlay') {
        const links = await readdir(split('overlay', 'l'));
        expect(links).not.toContain(link);
        expect(links).toContain(await readFile(path.join(driverDir(split(), state.base.id), 'link'), 'utf8'));
      }
      await intact(state);
    });

    it('check reports a missing layer dir, corrupted content, a dangling image and an unknown dir in the image store; repair fixes them', async () => {
      const state = await populate();
      const { layer: gone } = await store.putLayer({}, streamOf(await makeTar(dir, { 'g.txt': 'G' })));
      const { layer: bad } = await store.putLayer({}, streamOf(await makeTar(dir, { 'b.txt': 'BBBB' })));
      const { layer: lost } = await store.putLayer({}, streamOf(await makeTar(dir, { 'l.txt': 'L' })));
      const dangling = await store.createImage({ names: ['dangling'], topLayer: lost.id });
      const stray = 'e'.repeat(64);
      await (await store.driver()).create(stray, null);
      expect(await ids(split(`${drv}-layers`, 'layers.json'))).toEqual([state.base.id, gone.id, bad.id, lost.id]);
      const before = await checkStore(store);
      expect(before).toEqual({ ...CLEAN, layers: { [stray]: [`layer ${stray}: layer in lower level storage driver not accounted for`] } });

      await rm(driverDir(split(), gone.id), { recursive: true });
      await writeFile(contentFile(split(), bad.id, 'b.txt'), 'XXXX'); // same size, other bytes
      await store.delete(lost.id); // unchecked: the image record stays and dangles

      const report = await checkStore(store);
      expect(Object.keys(report.layers).sort()).toEqual([gone.id, bad.id, stray].sort());
      expect(report.layers[gone.id]).toEqual([`layer ${gone.id}: layer is missing`]);
      expect(report.layers[bad.id]).toEqual([`layer ${bad.id}: file integrity checksum failed`]);
      expect(report.layers[stray]).toEqual([`layer ${stray}: layer in lower level storage driver not accounted for`]);
      expect(report.images).toEqual({ [dangling.id]: [`image ${dangling.id}: layer ${lost.id}: image layer is missing`] });
      expect({ ...report, layers: {}, images: {} }).toEqual(CLEAN);
      // The quick check skips contents only.
      expect(Object.keys((await checkStore(store, { quick: true })).layers).sort()).toEqual([gone.id, stray].sort());

      expect(await repairStore(store, report)).toEqual([]);
      for (const id of [gone.id, bad.id, lost.id, stray]) await absent(driverDir(split(), id));
      await absent(graph(`${drv}-layers`, `${bad.id}.tar-split.gz`));
      await intact(state);
    });

    it('gc and the repair of unknown dirs wait for the image store layers.lock', async () => {
      const state = await populate();
      const driver = await store.driver();
      const stray = 'f'.repeat(64);
      await driver.create(stray, null);
      let holder = await holdLock(split(`${drv}-layers`, 'layers.lock'));
      let done = false;
      const gc = garbageCollect(store).then(() => (done = true));
      await sleep(500);
      expect(done).toBe(false);
      await stat(driverDir(split(), stray));
      await holder.release();
      await gc;
      await absent(driverDir(split(), stray));

      await driver.create(stray, null);
      const report = await checkStore(store);
      expect(Object.keys(report.layers)).toEqual([stray]);
      holder = await holdLock(split(`${drv}-layers`, 'layers.lock'));
      done = false;
      const repair = repairStore(store, report).then((errors) => ((done = true), errors));
      await sleep(500);
      expect(done).toBe(false);
      await stat(driverDir(split(), stray));
      await holder.release();
      expect(await repair).toEqual([]);
      await absent(driverDir(split(), stray));
      await intact(state);
    });
  });
}
