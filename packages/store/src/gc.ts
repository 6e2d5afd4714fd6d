import { promises as fs } from 'node:fs';
import path from 'node:path';
import { driverLayerRemover, listOwnDriverLayers } from './driver-layers.js';
import type { Store } from './store.js';

const HEX64 = /^[0-9a-f]{64}$/;

/** Removes the directories of `dir` named like an ID that `keep` lacks. */
async function sweepIDDirs(dir: string, keep: ReadonlySet<string>): Promise<void> {
  let names: string[];
  try {
    names = await fs.readdir(dir);
  } catch {
    return;
  }
  for (const name of names) if (HEX64.test(name) && !keep.has(name)) await fs.rm(path.join(dir, name), { recursive: true, force: true });
}

/**
 * gc (upstream Store.GarbageCollect): container and image directories named like an ID without a
 * record, each swept under its store's write lock (so a record being created keeps its
 * directory); then driver layers without a layer record, with their tar-split file and big-data
 * directory, under the layer store's write lock (both layers.lock files with a split image
 * store). The driver's home and the split image store's home are swept alike.
 */
export async function garbageCollect(store: Store): Promise<void> {
  // As upstream, every stage runs; the first error is returned.
  let first: unknown;
  const stage = async (fn: () => Promise<void>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      first ??= err;
    }
  };
  await stage(() => store.containers.write((v) => sweepIDDirs(store.containers.dir, new Set(v.list().map((c) => c.id)))));
  for (const s of store.writableImageStores) await stage(() => s.write((v) => sweepIDDirs(s.dir, new Set(v.list().map((i) => i.id)))));
  await stage(async () => {
    const layerStore = await store.layerStore();
    const driver = await store.driver();
    await layerStore.withWriteLock(async () => {
      const known = new Set((await layerStore.layers()).map((l) => l.id));
      const removeLayer = await driverLayerRemover(driver);
      for (const id of await listOwnDriverLayers(driver)) {
        if (known.has(id)) continue;
        await removeLayer(id);
        await fs.rm(path.join(layerStore.paths.layerDir, `${id}.tar-split.gz`), { force: true });
        await fs.rm(path.join(layerStore.paths.layerDir, id), { recursive: true, force: true });
      }
    });
  });
  if (first !== undefined) throw first;
}
