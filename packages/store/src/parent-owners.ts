import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Layer } from '@cs/layers';
import type { IDMap } from '@cs/records';
import { StoreError } from './errors.js';

export interface ParentOwners {
  uids: number[];
  gids: number[];
}

/** Go's idtools.ToContainer: an empty map is the identity, so it maps every ID. */
function mapped(maps: readonly IDMap[], hostID: number): boolean {
  return maps.length === 0 || maps.some((m) => hostID >= m.hostID && hostID < m.hostID + m.size);
}

/**
 * Host UIDs and GIDs that own the directories above the layer's mount point (each parent up to,
 * not including, '/'; stat and lstat owners) and that its ID maps do not cover (cli.md §3.11).
 * A layer without ID maps has none; a mapped layer must be mounted.
 */
export async function parentOwners(layer: Layer): Promise<ParentOwners> {
  if (layer.uidMap.length === 0 && layer.gidMap.length === 0) return { uids: [], gids: [] };
  if (layer.mountPoint === '' || layer.mountCount === 0) {
    throw new StoreError('ERR_LAYER_NOT_MOUNTED', 'layer is not mounted');
  }
  const uids = new Set<number>();
  const gids = new Set<number>();
  let dir = path.dirname(layer.mountPoint);
  while (dir !== '/') {
    for (const st of [await fs.stat(dir), await fs.lstat(dir)]) {
      if (!mapped(layer.uidMap, st.uid)) uids.add(st.uid);
      if (!mapped(layer.gidMap, st.gid)) gids.add(st.gid);
    }
    dir = path.dirname(dir);
  }
  return { uids: [...uids].sort((a, b) => a - b), gids: [...gids].sort((a, b) => a - b) };
}
