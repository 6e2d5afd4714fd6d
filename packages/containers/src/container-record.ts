import {
  BIG_DATA_FIELDS,
  bigDataMembersToGo,
  copyBigDataMembers,
  flagsToGo,
  idMapsToGo,
  readBigDataMembers,
  readGenericMap,
  readIDMaps,
  readString,
  readStringArray,
  readTime,
  splitMembers,
  type GenericValue,
  type GoValue,
  type IDMap,
  type JSONValue,
  type RecordFields,
  type StoredRecord,
} from '@cs/records';

/**
 * A container as callers see it (the containers.json record; `id`, `names`, `metadata`,
 * big-data members, `created`, `flags` as every record has).
 */
export interface Container extends RecordFields {
  /** ID of the image it was created from ('' for none). */
  image: string;
  /** ID of its read-write layer. */
  layer: string;
  uidMap: IDMap[];
  gidMap: IDMap[];
  /** Known keys: MountLabel, ProcessLabel (strings), MountOpts (string array), Volatile (true). */
  flags: Record<string, GenericValue>;
  /** The record lives in volatile-containers.json (HEAD ≥1.45). Not stored. */
  volatileFile: boolean;
}

/** The in-memory record: public fields plus members this code does not know (kept on rewrite). */
export interface ContainerRecord extends Container, StoredRecord {}

const FIELDS = [
  'id',
  'names',
  'image',
  'layer',
  'metadata',
  ...BIG_DATA_FIELDS,
  'created',
  'uidmap',
  'gidmap',
  'flags',
] as const;

export function decodeContainer(value: JSONValue, where: string): ContainerRecord {
  const { known, unknown } = splitMembers(value, FIELDS, where);
  const f = (name: string) => known.get(name);
  const at = (name: string) => `${where}.${name}`;
  return {
    id: readString(f('id'), at('id')),
    names: readStringArray(f('names'), at('names')),
    image: readString(f('image'), at('image')),
    layer: readString(f('layer'), at('layer')),
    metadata: readString(f('metadata'), at('metadata')),
    ...readBigDataMembers(f, where),
    created: readTime(f('created'), at('created')),
    uidMap: readIDMaps(f('uidmap'), at('uidmap')),
    gidMap: readIDMaps(f('gidmap'), at('gidmap')),
    flags: readGenericMap(f('flags'), at('flags')),
    volatileFile: false,
    extra: unknown,
  };
}

/** The containers.json form: Go's struct order; `image` and `layer` always present. */
export function encodeContainer(rec: ContainerRecord): GoValue {
  const out: Record<string, GoValue> = {
    id: rec.id,
    names: rec.names.length > 0 ? rec.names : undefined,
    image: rec.image,
    layer: rec.layer,
    metadata: rec.metadata || undefined,
    ...bigDataMembersToGo(rec),
    created: rec.created,
    uidmap: idMapsToGo(rec.uidMap),
    gidmap: idMapsToGo(rec.gidMap),
    flags: flagsToGo(rec.flags),
  };
  for (const [k, v] of rec.extra) out[k] = v;
  return out;
}

export function publicContainer(rec: ContainerRecord): Container {
  return {
    id: rec.id,
    names: [...rec.names],
    image: rec.image,
    layer: rec.layer,
    metadata: rec.metadata,
    ...copyBigDataMembers(rec),
    created: rec.created,
    uidMap: rec.uidMap.map((m) => ({ ...m })),
    gidMap: rec.gidMap.map((m) => ({ ...m })),
    flags: structuredClone(rec.flags),
    volatileFile: rec.volatileFile,
  };
}

