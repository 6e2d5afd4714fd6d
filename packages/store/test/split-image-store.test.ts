import { readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InvalidOptionsError, Store } from '../src/index.js';
import { IS_ROOT, collect, holdLock, makeTar, overlayUsable, streamOf, tempDir, unmountUnder } from './helpers.js';

const ids = async (file: string): Promise<string[]> => (JSON.parse(await readFile(file, 'utf8')) as Array<{ id: string }>).map((r) => r.id);
const absent = (file: string) => expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });

for (const drv of ['vfs', 'overlay']) {
  const usable = drv === 'vfs' ? IS_ROOT : await overlayUsable();
  describe.skipIf(!usable)(`split image store (HEAD imagestore) on ${drv}`, () => {
    let dir: string;
    let store: Store;
    const graph = (...p: string[]) => path.join(dir, 'root', ...p);
    const split = (...p: string[]) => path.join(dir, 'images', ...p);
    const run = (...p: string[]) => path.join(dir, 'run', ...p);
    const open = (imageStore: string | null = split()) => Store.open({ graphRoot: graph(), runRoot: run(), driver: drv, imageStore: imageStore ?? undefined });
    const driverDir = (root: string, id: string) => (drv === 'vfs' ? path.join(root, 'vfs', 'dir', id) : path.join(root, 'overlay', id));

    beforeEach(async () => {
      dir = await tempDir(`cs-split-${drv}-`);
      store = await open();
    });
    afterEach(async () => {
      await store.close().catch(() => {});
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    });

    it('image layers and images go to the image store, container layers stay in the graph root', async () => {
      const tar = await makeTar(dir, { 'a.txt': 'A', 'd/b.txt': 'B' });
      const { layer: base } = await store.putLayer({ names: ['base'] }, streamOf(tar));
      const child = await store.putLayer({ parent: 'base' }, streamOf(await makeTar(dir, { 'c.txt': 'C' })));
      const image = await store.createImage({ names: ['img'], topLayer: child.layer.id });
      const ctr = await store.createContainer({ names: ['c'], image: 'img' });

      expect(await ids(split(`${drv}-layers`, 'layers.json'))).toEqual([base.id, child.layer.id]);
      expect(await ids(graph(`${drv}-layers`, 'layers.json'))).toEqual([ctr.layer]);
      expect(await ids(split(`${drv}-images`, 'images.json'))).toEqual([image.id]);
      await absent(graph(`${drv}-images`, 'images.json'));
      await stat(driverDir(split(), base.id));
      await absent(driverDir(graph(), base.id));
      await stat(driverDir(graph(), ctr.layer));
      await absent(driverDir(split(), ctr.layer));
      // tar-split files stay with the layer store's own directory (HEAD's layerdir)
      await stat(graph(`${drv}-layers`, `${base.id}.tar-split.gz`));
      if (drv === 'overlay') {
        const lid = await readFile(path.join(driverDir(split(), base.id), 'link'), 'utf8');
        expect(await readdir(split('overlay', 'l'))).toContain(lid);
        // the container layer names its lowers by l/<LID>; they resolve in the image store
        expect(await readFile(path.join(driverDir(graph(), ctr.layer), 'lower'), 'utf8')).toMatch(new RegExp(`:l/${lid}$`));
      }
      // Both layers.lock files carry a Go-format token after writes.
      for (const f of [graph(`${drv}-layers`, 'layers.lock'), split(`${drv}-layers`, 'layers.lock')]) expect((await stat(f)).size).toBe(64);

      expect((await collect(await store.diff(null, 'base'))).equals(tar)).toBe(true);
      // An image layer is mounted read-only, even when not asked to (HEAD: it is not in the home).
      const imgMnt = await store.mount(child.layer.id);
      expect(await readFile(path.join(imgMnt, 'c.txt'), 'utf8')).toBe('C');
      if (drv === 'overlay') await expect(writeFile(path.join(imgMnt, 'x'), 'x')).rejects.toMatchObject({ code: 'EROFS' });
      await store.unmount(child.layer.id);
      const mnt = await store.mount('c');
      expect(await readFile(path.join(mnt, 'a.txt'), 'utf8')).toBe('A');
      expect(await readFile(path.join(mnt, 'c.txt'), 'utf8')).toBe('C');
      await store.unmount('c');

      // Reopened, the records merge; deleting everything empties both places (staged deletions in each home).
      await store.close();
      store = await open();
      expect((await store.layers()).map((l) => l.id)).toEqual([ctr.layer, base.id, child.layer.id]);
      await store.deleteContainer('c');
      expect(await store.deleteImage('img')).toEqual([child.layer.id, base.id]);
      expect(await ids(split(`${drv}-layers`, 'layers.json'))).toEqual([]);
      await absent(driverDir(split(), base.id));
      expect(await readdir(split(drv, 'tempdirs'))).toEqual([]);
    });

    it('images and layers of the graph root stay visible and writable', async () => {
      await store.close();
      store = await open(null); // an ordinary store first
      const { layer: old } = await store.putLayer({ names: ['old'] }, streamOf(await makeTar(dir, { 'o.txt': 'O' })));
      await store.createImage({ names: ['oldimg'], topLayer: old.id });
      await store.close();

      store = await open();
      const newLayer = await store.createLayer({ names: ['new'] });
      await store.createImage({ names: ['newimg'], topLayer: newLayer.id });
      expect((await store.listImages()).map((i) => i.names[0])).toEqual(['newimg', 'oldimg']);
      expect((await store.image('oldimg')).readOnly).toBe(false);
      await store.setNames('oldimg', ['renamed']);
      await store.setImageBigData('renamed', 'k', 'v');
      expect(await ids(graph(`${drv}-images`, 'images.json'))).toHaveLength(1);
      expect(JSON.parse(await readFile(graph(`${drv}-images`, 'images.json'), 'utf8'))[0].names).toEqual(['renamed']);
      await stat(graph(`${drv}-images`, (await store.image('renamed')).id, 'k'));
      // A container from the graph-root image; then the image and its layer go again.
      const ctr = await store.createContainer({ image: 'renamed' });
      const mnt = await store.mount(ctr.id);
      expect(await readFile(path.join(mnt, 'o.txt'), 'utf8')).toBe('O');
      await store.unmount(ctr.id);
      await store.deleteContainer(ctr.id);
      expect(await store.deleteImage('renamed')).toEqual([old.id]);
      expect(await ids(graph(`${drv}-images`, 'images.json'))).toEqual([]);
      expect((await store.layers()).map((l) => l.id)).toEqual([newLayer.id]);
    });

    it('a layer write waits for the image store layers.lock (taken after the graph root one)', async () => {
      const holder = await holdLock(split(`${drv}-layers`, 'layers.lock'));
      const started = Date.now();
      let done = false;
      const creating = store.createLayer().then((l) => ((done = true), l));
      await new Promise((r) => setTimeout(r, 700));
      expect(done).toBe(false);
      await holder.release();
      const layer = await creating;
      expect(Date.now() - started).toBeGreaterThanOrEqual(700);
      expect(await ids(split(`${drv}-layers`, 'layers.json'))).toEqual([layer.id]);
    });

    it('refuses the graph root as image store', async () => {
      await expect(open(graph())).rejects.toBeInstanceOf(InvalidOptionsError);
      await expect(open(graph())).rejects.toMatchObject({ code: 'ERR_INVALID_OPTIONS' });
    });
  });
}
