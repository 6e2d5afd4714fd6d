import { ArchiveError } from './errors.js';

/** One range of an ID mapping, as in layers.json / storage.conf (container → host). */
export interface IDMap {
  containerID: number;
  hostID: number;
  size: number;
}

/** Container ID → host ID; identity when there is no map. Throws ERR_ARCHIVE_ID_UNMAPPED. */
export function toHostID(maps: readonly IDMap[] | undefined, id: number): number {
  if (maps === undefined || maps.length === 0) return id;
  for (const m of maps) {
    if (id >= m.containerID && id < m.containerID + m.size) return m.hostID + (id - m.containerID);
  }
  throw new ArchiveError('ERR_ARCHIVE_ID_UNMAPPED', `container ID ${id} cannot be mapped to a host ID`);
}

/** Host ID → container ID; identity when there is no map; undefined when not covered. */
export function toContainerID(maps: readonly IDMap[] | undefined, id: number): number | undefined {
  if (maps === undefined || maps.length === 0) return id;
  for (const m of maps) {
    if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  }
  return undefined;
}
