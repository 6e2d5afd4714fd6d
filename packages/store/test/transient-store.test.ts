import { readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Store, garbageCollect } from '../src/index.js';
import { IS_ROOT, makeTar, overlayUsable, streamOf, tempDir, unmountUnder } from './helpers.js';

const ids = async (file: string): Promise<string[]> => (JSON.parse(await readFile(file, 'utf8')) as Array<{ id: string }>).map((r) => r.id);
const absent = (file: string) => expect(stat(file)).rejects.toMatchObject({ code: 'ENOENT' });

for (const drv of ['vfs', 'overlay']) {
  const usable = drv === 'vfs' ? IS_ROOT : await overlayUsable();
  describe.skipIf(!usable)(`transient store (HEAD transient_store = true) on ${drv}`, () => {
    let dir: string;
    let store: Store;
    const graph = (...p: string[]) => path.join(dir, 'root', ...p);
    const run = (...p: string[]) => path.join(dir, 'run', ...p);
    const open = (transientStore = true) => Store.open({ graphRoot: graph(), runRoot: run(), driver: drv, transientStore });

    beforeEach(async () => {
      dir = await tempDir(`cs-transient-${drv}-`);
      store = await open();
    });
    afterEach(async () => {
      await store.close().catch(() => {});
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    });

    it('puts containers.lock and the volatile files under the run root, the rest in the graph root', async () => {
      const { layer: base } = await store.putLayer({ names: ['base'] }, streamOf(await makeTar(dir, { 'a.txt': 'A' })));
      const image = await store.createImage({ names: ['img'], topLayer: base.id });
      const ctr = await store.createContainer({ names: ['t'], image: image.id });
      const vol = await store.createContainer({ names: ['v'], image: image.id, volatile: true });
      await store.setContainerBigData('t', 'cfg', 'x');

      await stat(run(`${drv}-containers`, 'containers.lock'));
      await absent(graph(`${drv}-containers`, 'containers.lock'));
      expect(await ids(run(`${drv}-containers`, 'volatile-containers.json'))).toEqual([ctr.id, vol.id]);
      await absent(graph(`${drv}-containers`, 'containers.json'));
      await absent(graph(`${drv}-containers`, 'volatile-containers.json'));
      // Container layers are volatile; the image layer is not. layers.lock stays in the graph root.
      expect(await ids(run(`${drv}-layers`, 'volatile-layers.json'))).toEqual([ctr.layer, vol.layer]);
      expect(await ids(graph(`${drv}-layers`, 'layers.json'))).toEqual([base.id]);
      await absent(graph(`${drv}-layers`, 'volatile-layers.json'));
      await stat(graph(`${drv}-layers`, 'layers.lock'));
      await absent(run(`${drv}-layers`, 'layers.lock'));
      // Big data and userdata stay in the graph root; the Volatile flag only where asked for.
      expect(await store.containerDirectory('t')).toBe(graph(`${drv}-containers`, ctr.id, 'userdata'));
      await stat(graph(`${drv}-containers`, ctr.id, 'cfg'));
      expect((await store.container('t')).flags).not.toHaveProperty('Volatile');
      expect((await store.container('v')).flags['Volatile']).toBe(true);
      expect((await store.layer(ctr.layer)).volatile).toBe(true);
    });

    it('records survive a reopen; wiping the run root drops the volatile ones', async () => {
      const { layer: base } = await store.putLayer({ names: ['base'] }, streamOf(await makeTar(dir, { 'a.txt': 'A' })));
      await store.createImage({ names: ['img'], topLayer: base.id });
      const ctr = await store.createContainer({ names: ['t'], image: 'img' });
      await store.close();

      store = await open();
      expect((await store.listContainers()).map((c) => c.id)).toEqual([ctr.id]);
      expect((await store.layers()).map((l) => l.id)).toEqual([base.id, ctr.layer]);
      const mnt = await store.mount('t');
      expect(await readFile(path.join(mnt, 'a.txt'), 'utf8')).toBe('A');
      await store.unmount('t');
      await store.close();

      // "Reboot": the run root is gone.
      await unmountUnder(dir);
      await rm(run(), { recursive: true, force: true });
      store = await open();
      expect(await store.listContainers()).toEqual([]);
      expect((await store.layers()).map((l) => l.id)).toEqual([base.id]);
      expect((await store.image('img')).topLayer).toBe(base.id);
      // The container layer's driver data is left for garbage collection, as in HEAD.
      expect(await store.storageLayers()).toContain(ctr.layer);
      await garbageCollect(store);
      expect(await store.storageLayers()).toEqual([base.id]);
      // The store works on: a new container, deleted again.
      const again = await store.createContainer({ names: ['t'], image: 'img' });
      await store.deleteContainer(again.id);
      expect(await ids(run(`${drv}-containers`, 'volatile-containers.json'))).toEqual([]);
      expect(await ids(run(`${drv}-layers`, 'volatile-layers.json'))).toEqual([]);
    });

    it('without transient_store nothing moves (1.43 layout)', async () => {
      await store.close();
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
      store = await open(false);
      const ctr = await store.createContainer({ names: ['p'], volatile: true });
      await stat(graph(`${drv}-containers`, 'containers.lock'));
      expect(await ids(graph(`${drv}-containers`, 'containers.json'))).toEqual([ctr.id]);
      expect(await ids(graph(`${drv}-layers`, 'layers.json'))).toEqual([ctr.layer]);
      for (const f of [run(`${drv}-containers`, 'containers.lock'), run(`${drv}-containers`, 'volatile-containers.json'), run(`${drv}-layers`, 'volatile-layers.json'), graph(`${drv}-layers`, 'volatile-layers.json')]) {
        await absent(f);
      }
    });
  });
}
