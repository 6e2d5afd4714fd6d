import {
  GoTime,
  genericToGo,
  idMapsToGo,
  readGenericMap,
  readIDMaps,
  readInt,
  readMap,
  readString,
  readStringArray,
  readTime,
  splitMembers,
  type GenericValue,
  type GoValue,
  type IDMap,
  type JSONValue,
} from '@cs/records';

/** A container as callers see it (the containers.json record). */
export interface Container {
  id: string;
  names: string[];
  /** ID of the image it was created from ('' for none). */
  image: string;
  /** ID of its read-write layer. */
  layer: string;
  metadata: string;
  bigDataNames: string[];
  bigDataSizes: Record<string, number>;
  bigDataDigests: Record<string, string>;
  created: GoTime;
  uidMap: IDMap[];
  gidMap: IDMap[];
  /** Known keys: MountLabel, ProcessLabel (strings), MountOpts (string array), Volatile (true). */
  flags: Record<string, GenericValue>;
  /** The record lives in volatile-containers.json (HEAD ≥1.45). Not stored. */
  volatileFile: boolean;
}

/** The in-memory record: public fields plus members this code does not know (kept on rewrite). */
export interface ContainerRecord extends Container {
  extra: Array<[string, JSONValue]>;
}

const FIELDS = [
  'id',
  'names',
  'image',
  'layer',
  'metadata',
  'big-data-names',
  'big-data-sizes',
  'big-data-digests',
  'created',
  'uidmap',
  'gidmap',
  'flags',
] as const;

export function decodeContainer(value: JSONValue, where: string): ContainerRecord {
  const { known, unknown } = splitMembers(value, FIELDS, where);
  const f = (name: (typeof FIELDS)[number]) => known.get(name);
  const at = (name: string) => `${where}.${name}`;
  return {
    id: readString(f('id'), at('id')),
    names: readStringArray(f('names'), at('names')),
    image: readString(f('image'), at('image')),
    layer: readString(f('layer'), at('layer')),
    metadata: readString(f('metadata'), at('metadata')),
    bigDataNames: readStringArray(f('big-data-names'), at('big-data-names')),
    bigDataSizes: toRecord(readMap(f('big-data-sizes'), at('big-data-sizes'), (x, w) => readInt(x, w))),
    bigDataDigests: toRecord(readMap(f('big-data-digests'), at('big-data-digests'), readString)),
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
    'big-data-names': rec.bigDataNames.length > 0 ? rec.bigDataNames : undefined,
    'big-data-sizes': mapOf(rec.bigDataSizes),
    'big-data-digests': mapOf(rec.bigDataDigests),
    created: rec.created,
    uidmap: idMapsToGo(rec.uidMap),
    gidmap: idMapsToGo(rec.gidMap),
    flags: Object.keys(rec.flags).length > 0 ? genericToGo(rec.flags) : undefined,
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
    bigDataNames: [...rec.bigDataNames],
    bigDataSizes: { ...rec.bigDataSizes },
    bigDataDigests: { ...rec.bigDataDigests },
    created: rec.created,
    uidMap: rec.uidMap.map((m) => ({ ...m })),
    gidMap: rec.gidMap.map((m) => ({ ...m })),
    flags: structuredClone(rec.flags),
    volatileFile: rec.volatileFile,
  };
}

function mapOf<T extends GoValue>(obj: Record<string, T>): Map<string, T> | undefined {
  const entries = Object.entries(obj);
  return entries.length > 0 ? new Map(entries) : undefined;
}

function toRecord<T>(m: Map<string, T>): Record<string, T> {
  const out = Object.create(null) as Record<string, T>;
  for (const [k, v] of m) out[k] = v;
  return out;
}
