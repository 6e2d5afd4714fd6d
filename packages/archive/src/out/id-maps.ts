/** Host → container ID translation for produced headers (the layer's maps, identity when none). */
export interface IDMapRange {
  containerID: number;
  hostID: number;
  size: number;
}

/** undefined when the host ID is outside every range (upstream then skips the entry). */
export function hostToContainer(maps: readonly IDMapRange[] | undefined, id: number): number | undefined {
  if (maps === undefined || maps.length === 0) return id;
  for (const m of maps) {
    if (id >= m.hostID && id < m.hostID + m.size) return m.containerID + (id - m.hostID);
  }
  return undefined;
}
