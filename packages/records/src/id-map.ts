import { readArray, readInt, splitMembers } from './decode.js';
import type { JSONValue } from './json-value.js';

/** One ID mapping range, written as {"container_id":N,"host_id":N,"size":N} (all always present). */
export interface IDMap {
  containerID: number;
  hostID: number;
  size: number;
}

const IDMAP_FIELDS = ['container_id', 'host_id', 'size'] as const;

export function readIDMaps(v: JSONValue | undefined, where: string): IDMap[] {
  return readArray(v, where, (x, w) => {
    const { known } = splitMembers(x, IDMAP_FIELDS, w);
    return {
      containerID: readInt(known.get('container_id'), `${w}.container_id`),
      hostID: readInt(known.get('host_id'), `${w}.host_id`),
      size: readInt(known.get('size'), `${w}.size`),
    };
  });
}

/** The Go struct form of a mapping list; `undefined` (omitted) when empty. */
export function idMapsToGo(maps: readonly IDMap[]): Array<{ container_id: number; host_id: number; size: number }> | undefined {
  if (maps.length === 0) return undefined;
  return maps.map((m) => ({ container_id: m.containerID, host_id: m.hostID, size: m.size }));
}
