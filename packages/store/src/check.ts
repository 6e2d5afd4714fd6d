import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { LayerProblem } from '@cs/layers';
import { bigDataPath } from '@cs/records';
import { driverLayerRemover, listOwnDriverLayers } from './driver-layers.js';
import type { Store } from './store.js';

/** ID → error texts, per section of the `check` report (cli.md §3.1). */
export interface CheckReport {
  layers: Record<string, string[]>;
  roLayers: Record<string, string[]>;
  images: Record<string, string[]>;
  roImages: Record<string, string[]>;
  containers: Record<string, string[]>;
}

export interface CheckOptions {
  /** Unreferenced read-write layers older than this (ms) are reported; default 24 h. */
  maxAgeMs?: number;
  /** Skip re-digesting layer contents. */
  quick?: boolean;
}

const CONTENT_PROBLEMS = new Set<LayerProblem['code']>(['ERR_LAYER_CONTENT_DIGEST', 'ERR_LAYER_CONTENT_SIZE', 'ERR_LAYER_CONTENT_UNREADABLE']);

function add(section: Record<string, string[]>, id: string, text: string): void {
  (section[id] ??= []).push(text);
}

async function fileSize(file: string): Promise<number | null> {
  try {
    return (await fs.stat(file)).size;
  } catch {
    return null;
  }
}

/** Checks records against each other and against the data on disk (upstream Store.Check). */
export async function checkStore(store: Store, opts: CheckOptions = {}): Promise<CheckReport> {
  const report: CheckReport = { layers: {}, roLayers: {}, images: {}, roImages: {}, containers: {} };
  const maxAge = opts.maxAgeMs ?? 24 * 3600 * 1000;
  const layerStore = await store.layerStore();
  const driver = await store.driver();
  const layers = await store.layers();
  // The tar-split of each layer replayed against the files in whichever home holds them (also
  // when they changed since the import, which is what this looks for).
  const contents = opts.quick ? new Map<string, LayerProblem[]>() : await layerStore.check({ contents: true });
  const byID = new Map(layers.map((l) => [l.id, l]));
  const images = await store.listImages();
  const containers = await store.listContainers();
  const referenced = new Set<string>();
  for (const img of images) {
    for (const top of [img.topLayer, ...img.mappedTopLayers]) {
      for (let id = top; id !== '' && !referenced.has(id); id = byID.get(id)?.parent ?? '') referenced.add(id);
    }
  }
  for (const c of containers) for (let id = c.layer; id !== '' && !referenced.has(id); id = byID.get(id)?.parent ?? '') referenced.add(id);

  for (const layer of layers) {
    const section = layer.readOnly ? report.roLayers : report.layers;
    const prefix = layer.readOnly ? 'read-only ' : '';
    if (layer.parent !== '' && !byID.has(layer.parent)) add(section, layer.id, `${prefix}layer ${layer.parent}: layer is missing`);
    for (const key of layer.bigDataNames) {
      const file = bigDataPath(path.join(layerStore.paths.layerDir, layer.id), key);
      if (!layer.readOnly && (await fileSize(file)) === null) add(section, layer.id, `${prefix}layer ${layer.id}: data item ${JSON.stringify(key)}: layer data item is missing`);
    }
    if (layer.readOnly) continue;
    if (!(await driver.exists(layer.id))) {
      add(section, layer.id, `layer ${layer.id}: layer is missing`);
      continue;
    }
    for (const p of contents.get(layer.id) ?? []) if (CONTENT_PROBLEMS.has(p.code)) add(section, layer.id, p.message);
    if (!referenced.has(layer.id)) {
      const created = layer.created.isZero() ? null : layer.created.toDate().getTime();
      if (created === null || Date.now() - created >= maxAge) {
        add(section, layer.id, `layer ${layer.id}: layer not referenced by any images or containers`);
      }
    }
  }
  for (const id of await listOwnDriverLayers(driver)) {
    if (!byID.has(id)) add(report.layers, id, `layer ${id}: layer in lower level storage driver not accounted for`);
  }

  for (const img of images) {
    const section = img.readOnly ? report.roImages : report.images;
    const prefix = img.readOnly ? 'read-only ' : '';
    for (const top of [img.topLayer, ...img.mappedTopLayers]) {
      if (top !== '' && !byID.has(top)) add(section, img.id, `${prefix}image ${img.id}: layer ${top}: image layer is missing`);
    }
    if (img.readOnly) continue;
    for (const key of img.bigDataNames) {
      const home = (await storeHolding(store, img.id))?.dir ?? store.images.dir;
      const size = await fileSize(bigDataPath(path.join(home, img.id), key));
      if (size === null) add(section, img.id, `image ${img.id}: data item ${JSON.stringify(key)}: image data item is missing`);
      else if (img.bigDataSizes[key] !== undefined && img.bigDataSizes[key] !== size) {
        add(section, img.id, `image ${img.id}: data item ${JSON.stringify(key)}: image data item has incorrect size`);
      }
    }
  }
  const imageIDs = new Set(images.map((i) => i.id));
  for (const c of containers) {
    if (c.image !== '' && !imageIDs.has(c.image)) add(report.containers, c.id, `image ${c.image}: image missing`);
    for (const e of report.images[c.image] ?? []) add(report.containers, c.id, e);
    if (c.layer !== '' && !byID.has(c.layer)) add(report.containers, c.id, `container ${c.id}: layer ${c.layer}: container layer is missing`);
    for (const key of c.bigDataNames) {
      const size = await fileSize(bigDataPath(path.join(store.containers.dir, c.id), key));
      if (size === null) add(report.containers, c.id, `container ${c.id}: data item ${JSON.stringify(key)}: container data item is missing`);
      else if (c.bigDataSizes[key] !== undefined && c.bigDataSizes[key] !== size) {
        add(report.containers, c.id, `container ${c.id}: data item ${JSON.stringify(key)}: container data item has incorrect size`);
      }
    }
  }
  return report;
}

function isGone(err: unknown): boolean {
  const code = (err as { code?: string }).code ?? '';
  return ['ERR_LAYER_UNKNOWN', 'ERR_IMAGE_UNKNOWN', 'ERR_CONTAINER_UNKNOWN', 'ERR_NOT_A_LAYER', 'ERR_NOT_AN_IMAGE', 'ERR_NOT_A_CONTAINER', 'ENOENT'].includes(code);
}

/**
 * Repairs what checkStore reported (check -r): containers only with `force`, then images (with
 * their now-unused layers), then layers (known ones deepest first, then driver-only ones).
 * Read-only items are never touched. Returns the repair errors ("already gone" is not one).
 */
export async function repairStore(store: Store, report: CheckReport, opts: { force?: boolean } = {}): Promise<Error[]> {
  const errors: Error[] = [];
  const attempt = async (what: string, fn: () => Promise<unknown>): Promise<void> => {
    try {
      await fn();
    } catch (err) {
      if (!isGone(err)) errors.push(new Error(`${what}: ${(err as Error).message}`, { cause: err }));
    }
  };
  if (opts.force) for (const id of Object.keys(report.containers)) await attempt(`deleting container ${id}`, () => store.deleteContainer(id));
  for (const id of Object.keys(report.images)) await attempt(`deleting image ${id}`, () => store.deleteImage(id));
  const layerStore = await store.layerStore();
  const known = new Map((await layerStore.layers()).map((l) => [l.id, l]));
  const depth = (id: string): number => {
    let d = 0;
    for (let p = known.get(id)?.parent ?? ''; p !== '' && d < 1000; p = known.get(p)?.parent ?? '') d++;
    return d;
  };
  const ids = Object.keys(report.layers);
  const recorded = ids.filter((id) => known.has(id)).sort((a, b) => depth(b) - depth(a));
  const driverOnly = ids.filter((id) => !known.has(id));
  for (const id of recorded) {
    await attempt(`deleting layer ${id}`, async () => {
      const ctr = (await store.listContainers()).find((c) => c.layer === id);
      if (ctr) throw new Error(`layer ${id} used by container ${ctr.id}: layer is in use by a container`);
      await layerStore.unmount(id, true).catch(() => {});
      await store.delete(id);
    });
  }
  const driver = await store.driver();
  // Under the layers write lock (both layers.lock files with a split image store), skipping IDs
  // recorded since the check: a layer being created must keep its directory.
  if (driverOnly.length > 0) {
    await layerStore.withWriteLock(async () => {
      const now = new Set((await layerStore.layers()).map((l) => l.id));
      const removeLayer = await driverLayerRemover(driver);
      for (const id of driverOnly) if (!now.has(id)) await attempt(`deleting storage layer ${id}`, () => removeLayer(id));
    });
  }
  return errors;
}

/** The writable image store holding the image (split image store: the image store or the graph root's). */
async function storeHolding(store: Store, id: string): Promise<{ dir: string } | undefined> {
  for (const s of store.writableImageStores) if (await s.exists(id)) return s;
  return undefined;
}
