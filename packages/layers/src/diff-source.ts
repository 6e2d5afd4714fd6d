import { promises as fs } from 'node:fs';
import type { Driver } from '@cs/drivers';
import { treeChangedSince } from './freshness.js';
import type { Layer } from './layer.js';
import { tarSplitPath } from './paths.js';

/** Where a diff's bytes come from: the recorded tar-split, or the driver regenerating them. */
export type DiffSource = 'tar-split' | 'driver';

/**
 * The tar-split replays the original tarball byte for byte, but only while it still describes
 * the layer: `fromID` must be the parent, the file must exist, and nothing in the layer's own
 * directory may have changed since it was written (inode ctime later than the tar-split's mtime,
 * see freshness.ts). Otherwise the driver regenerates the diff, so a layer modified after its
 * import never yields the stale original (layer-diff.md §5.6.4).
 */
export async function diffSourceOf(layer: Pick<Layer, 'id' | 'parent'>, fromID: string, driver: Driver, layerDir: string): Promise<DiffSource> {
  if (fromID !== layer.parent) return 'driver';
  const tarSplit = tarSplitPath(layerDir, layer.id);
  let written: bigint;
  try {
    written = (await fs.stat(tarSplit, { bigint: true })).mtimeNs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return 'driver';
    throw err;
  }
  const [ownDir] = await driver.layerFileDirs(layer.id);
  if (ownDir === undefined) return 'driver';
  return (await treeChangedSince(ownDir, written, tarSplit)) ? 'driver' : 'tar-split';
}
