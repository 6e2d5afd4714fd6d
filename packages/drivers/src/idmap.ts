import type { IDMap } from './types.js';

/** Container ID → host ID through a map list; identity without maps; undefined when not covered. */
export function mapToHost(id: number, maps: readonly IDMap[] | undefined): number | undefined {
  if (!maps || maps.length === 0) return id;
  for (const m of maps) {
    if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  }
  return undefined;
}

/** The host uid/gid that container root maps to (0:0 without maps), owner of layer roots. */
export function hostRootIds(uidMaps?: readonly IDMap[], gidMaps?: readonly IDMap[]): { uid: number; gid: number } {
  return { uid: mapToHost(0, uidMaps) ?? 0, gid: mapToHost(0, gidMaps) ?? 0 };
}
