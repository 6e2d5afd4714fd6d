/**
 * Changes by tree comparison (layer-diff.md §5.2): both trees are scanned together (pruning
 * subtrees that are the very same inode on the same device), then compared node by node
 * (changes-compare.ts). Children are visited in byte order so the result is deterministic.
 * The scan uses synchronous calls: in the export worker from the built bundle, else in time
 * slices on the calling thread.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { toBytes } from './byte-paths.js';
import { makeChange, type Change } from './change.js';
import { compareTrees, type CompareOptions, type RawChange } from './changes-compare.js';
import { TreePairScan } from './changes-tree-sync.js';
import { TimeSlicer } from './time-slice.js';
import { changesInWorker, workerAvailable } from './worker.js';

export interface ChangesOptions extends CompareOptions {
  /** scan in the export worker (default true; only from the built bundle) */
  worker?: boolean;
}

export async function changesBetween(
  layerDir: string,
  parentDir: string | null,
  opts: ChangesOptions = {},
): Promise<Change[]> {
  const newRoot = toBytes(layerDir);
  let emptyDir: string | undefined;
  try {
    if (parentDir === null) emptyDir = await mkdtemp(`${tmpdir()}/cs-empty-`);
    const oldRoot = emptyDir ?? toBytes(parentDir!);
    const compare: CompareOptions = {
      uidMaps: opts.uidMaps, gidMaps: opts.gidMaps, parentUidMaps: opts.parentUidMaps,
      parentGidMaps: opts.parentGidMaps, compare: opts.compare,
    };
    let raw: RawChange[];
    if (opts.worker !== false && workerAvailable()) {
      raw = await changesInWorker(newRoot, oldRoot, compare);
    } else {
      // synchronous calls in time slices: an async call per lstat and xattr list cost ~3x the CPU
      const scan = new TreePairScan(newRoot, oldRoot);
      const slicer = new TimeSlicer();
      while (!scan.run(slicer.deadline)) await slicer.yieldTurn();
      raw = compareTrees(scan.newTree, scan.oldTree, compare);
    }
    return raw.map(([path, kind]) => makeChange(path, kind));
  } finally {
    if (emptyDir !== undefined) await rm(emptyDir, { recursive: true, force: true });
  }
}
