import { readInt, readString, splitMembers, type GoValue, type JSONValue } from '@cs/records';

/** One entry of mountpoints.json (on-disk.md §2.3). */
export interface MountRecord {
  id: string;
  path: string;
  count: number;
}

const MEMBERS = ['id', 'path', 'count'] as const;

/** Decodes one mountpoints.json entry; errors are fatal (Go refuses to open the store as well). */
export function decodeMount(value: JSONValue, where: string): MountRecord {
  const { known } = splitMembers(value, MEMBERS, where);
  return {
    id: readString(known.get('id'), `${where} "id"`),
    path: readString(known.get('path'), `${where} "path"`),
    count: readInt(known.get('count'), `${where} "count"`, -0x80000000, 0x7fffffff),
  };
}

/** All three members are always present. */
export function encodeMount(rec: MountRecord): GoValue {
  return { id: rec.id, path: rec.path, count: rec.count };
}
