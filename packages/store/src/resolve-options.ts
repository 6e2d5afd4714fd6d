import { promises as fs } from 'node:fs';
import path from 'node:path';
import { canonicalDriverName } from '@cs/drivers';
import { IncompleteOptionsError, InvalidOptionsError } from './errors.js';
import { ROOT_GRAPH_ROOT, ROOT_RUN_ROOT, additionalImageStores, type ResolvedStoreOptions, type StoreOptions } from './options.js';

/**
 * Applies upstream's open-time rules: at least one root must be given; the other comes from the
 * compiled-in default; relative roots become absolute against the working directory.
 */
export function resolveStoreOptions(opts: StoreOptions): Omit<ResolvedStoreOptions, 'driver'> & { driver: string } {
  if (!opts.graphRoot && !opts.runRoot) throw new IncompleteOptionsError();
  const graphRoot = path.resolve(opts.graphRoot || ROOT_GRAPH_ROOT);
  const imageStore = opts.imageStore ? path.resolve(opts.imageStore) : undefined;
  // The graph root is the split store's second image store: the same directory twice would list everything twice.
  if (imageStore === graphRoot) throw new InvalidOptionsError('imagestore must be a directory other than the graph root');
  const runRoot = path.resolve(opts.runRoot || ROOT_RUN_ROOT);
  const driver = opts.driver ? canonicalDriverName(opts.driver) : '';
  const driverOptions = [...(opts.driverOptions ?? [])];
  return {
    graphRoot,
    runRoot,
    driver,
    driverOptions,
    transientStore: opts.transientStore ?? false,
    ...(imageStore !== undefined ? { imageStore } : {}),
    uidMap: opts.uidMap ?? [],
    gidMap: opts.gidMap ?? [],
    additionalImageStores: driver === '' ? [] : additionalImageStores(driverOptions, driver).map((d) => path.resolve(d)),
    pullOptions: { ...(opts.pullOptions ?? {}) },
  };
}

/** Driver homes already present in the graph root, in upstream's priority order (vfs is never "prior"). */
export async function priorDrivers(graphRoot: string): Promise<string[]> {
  const found: string[] = [];
  for (const name of ['overlay', 'aufs', 'btrfs', 'zfs']) {
    try {
      if ((await fs.stat(path.join(graphRoot, name))).isDirectory()) found.push(name);
    } catch {
      // absent
    }
  }
  return found;
}
