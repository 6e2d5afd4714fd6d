import { promises as fs } from 'node:fs';
import path from 'node:path';
import { openDriver, type Driver } from '@cs/drivers';
import '@cs/drivers-vfs';
import '@cs/drivers-overlay';
import { LayerStore } from '@cs/layers';
import { DriverAmbiguousError } from './errors.js';
import type { ResolvedStoreOptions } from './options.js';
import { priorDrivers } from './resolve-options.js';

/** The parts of the store that depend on the driver; re-created when another process shuts the driver down. */
export interface DriverParts {
  driver: Driver;
  layers: LayerStore;
  roLayers: LayerStore[];
}

export async function chooseDriver(opts: ResolvedStoreOptions): Promise<string> {
  const prior = await priorDrivers(opts.graphRoot);
  if (prior.length > 1) throw new DriverAmbiguousError(prior);
  if (prior.length === 1) return prior[0]!;
  // First working one, as upstream: overlay if it opens here, else vfs.
  try {
    const probe = await openDriver('overlay', {
      graphRoot: opts.graphRoot,
      runRoot: opts.runRoot,
      options: opts.driverOptions.filter((o) => o.startsWith('overlay.') || o.startsWith('.')),
    });
    await probe.cleanup().catch(() => {});
    return 'overlay';
  } catch {
    // Leave no overlay home behind in a vfs graph root (on-disk.md §8 trap 34); it did not exist before.
    await fs.rm(path.join(opts.graphRoot, 'overlay'), { recursive: true, force: true }).catch(() => {});
    return 'vfs';
  }
}

export async function openReadOnlyLayers(opts: ResolvedStoreOptions, driver: Driver): Promise<LayerStore[]> {
  const out: LayerStore[] = [];
  for (const dir of opts.additionalImageStores) {
    out.push(await LayerStore.open({ driver, layerDir: path.join(dir, `${opts.driver}-layers`), readOnly: true }));
  }
  return out;
}

export async function openDriverParts(opts: ResolvedStoreOptions): Promise<DriverParts> {
  const driver = await openDriver(opts.driver, {
    graphRoot: opts.graphRoot,
    runRoot: opts.runRoot,
    options: opts.driverOptions,
    uidMaps: opts.uidMap,
    gidMaps: opts.gidMap,
    imageStore: opts.imageStore,
  });
  const runLayers = path.join(opts.runRoot, `${opts.driver}-layers`);
  const layers = await LayerStore.open({
    driver,
    graphRoot: opts.graphRoot,
    mountDir: runLayers,
    // HEAD transient store: volatile-layers.json beside mountpoints.json, gone with the run root.
    volatileDir: opts.transientStore ? runLayers : undefined,
    imageLayerDir: opts.imageStore === undefined ? undefined : path.join(opts.imageStore, `${opts.driver}-layers`),
  });
  try {
    return { driver, layers, roLayers: await openReadOnlyLayers(opts, driver) };
  } catch (err) {
    await layers.close();
    throw err;
  }
}

export async function closeParts(parts: DriverParts): Promise<void> {
  await parts.layers.close();
  for (const s of parts.roLayers) await s.close();
}


