import { isValidDigest } from '@cs/ids';
import {
  GoTime,
  genericToGo,
  readGenericMap,
  readInt,
  readMap,
  readString,
  readStringArray,
  readTime,
  splitMembers,
  type GenericValue,
  type GoValue,
  type JSONValue,
} from '@cs/records';
import { InvalidImageDigestError } from './errors.js';

/** An image as callers see it: the images.json record plus the computed digest list. */
export interface Image {
  id: string;
  /** The "searchable" digest ('' when none). */
  digest: string;
  /** Computed, not stored: `digest` first, then the distinct digests of `manifest*` big-data items. */
  digests: string[];
  names: string[];
  /** Every name ever given, most recent first. */
  namesHistory: string[];
  /** Top layer ID ('' for an image without layers). */
  topLayer: string;
  /** Alternate top layers (same contents, other ID mappings). */
  mappedTopLayers: string[];
  metadata: string;
  /** Big-data keys in insertion order. */
  bigDataNames: string[];
  bigDataSizes: Record<string, number>;
  bigDataDigests: Record<string, string>;
  created: GoTime;
  flags: Record<string, GenericValue>;
  /** Found in a read-only (additional) store. Not stored. */
  readOnly: boolean;
}

/** The in-memory record: the public fields plus members this code does not know (kept on rewrite). */
export interface ImageRecord extends Image {
  extra: Array<[string, JSONValue]>;
}

const FIELDS = [
  'id',
  'digest',
  'names',
  'names-history',
  'layer',
  'mapped-layers',
  'metadata',
  'big-data-names',
  'big-data-sizes',
  'big-data-digests',
  'created',
  'flags',
] as const;

export function decodeImage(value: JSONValue, where: string): ImageRecord {
  const { known, unknown } = splitMembers(value, FIELDS, where);
  const f = (name: (typeof FIELDS)[number]) => known.get(name);
  const at = (name: string) => `${where}.${name}`;
  const rec: ImageRecord = {
    id: readString(f('id'), at('id')),
    digest: readString(f('digest'), at('digest')),
    digests: [],
    names: readStringArray(f('names'), at('names')),
    namesHistory: readStringArray(f('names-history'), at('names-history')),
    topLayer: readString(f('layer'), at('layer')),
    mappedTopLayers: readStringArray(f('mapped-layers'), at('mapped-layers')),
    metadata: readString(f('metadata'), at('metadata')),
    bigDataNames: readStringArray(f('big-data-names'), at('big-data-names')),
    bigDataSizes: toRecord(readMap(f('big-data-sizes'), at('big-data-sizes'), (x, w) => readInt(x, w))),
    bigDataDigests: toRecord(readMap(f('big-data-digests'), at('big-data-digests'), readString)),
    created: readTime(f('created'), at('created')),
    flags: readGenericMap(f('flags'), at('flags')),
    readOnly: false,
    extra: unknown,
  };
  return rec;
}

/** The images.json form: Go's struct order and omitempty rules, unknown members last. */
export function encodeImage(rec: ImageRecord): GoValue {
  const out: Record<string, GoValue> = {
    id: rec.id,
    digest: rec.digest || undefined,
    names: nonEmpty(rec.names),
    'names-history': nonEmpty(rec.namesHistory),
    layer: rec.topLayer || undefined,
    'mapped-layers': nonEmpty(rec.mappedTopLayers),
    metadata: rec.metadata || undefined,
    'big-data-names': nonEmpty(rec.bigDataNames),
    'big-data-sizes': mapOf(rec.bigDataSizes),
    'big-data-digests': mapOf(rec.bigDataDigests),
    created: rec.created,
    flags: Object.keys(rec.flags).length > 0 ? genericToGo(rec.flags) : undefined,
  };
  for (const [k, v] of rec.extra) out[k] = v;
  return out;
}

/** Keys whose digests feed the image's digest list (Go bigDataNameIsManifest). */
export function isManifestKey(key: string): boolean {
  return key.startsWith('manifest');
}

/**
 * Go's recomputeDigests: validate `digest` and every manifest digest, build the deduplicated
 * list, and adopt the first manifest digest as `digest` when none is set.
 */
export function recomputeDigests(rec: Image): void {
  const list: string[] = [];
  if (rec.digest !== '') {
    if (!isValidDigest(rec.digest)) throw new InvalidImageDigestError(`validating image digest ${JSON.stringify(rec.digest)}: invalid digest`);
    list.push(rec.digest);
  }
  const keys = [...rec.bigDataNames.filter((k) => Object.hasOwn(rec.bigDataDigests, k))];
  for (const k of Object.keys(rec.bigDataDigests).sort()) if (!keys.includes(k)) keys.push(k);
  for (const key of keys) {
    if (!isManifestKey(key)) continue;
    const d = rec.bigDataDigests[key]!;
    if (!isValidDigest(d)) {
      throw new InvalidImageDigestError(`validating digest ${JSON.stringify(d)} for big data item ${JSON.stringify(key)}: invalid digest`);
    }
    if (!list.includes(d)) list.push(d);
  }
  if (rec.digest === '' && list.length > 0) rec.digest = list[0]!;
  rec.digests = list;
}

/** A copy callers may keep and change without touching the store's state. */
export function publicImage(rec: ImageRecord): Image {
  return {
    id: rec.id,
    digest: rec.digest,
    digests: [...rec.digests],
    names: [...rec.names],
    namesHistory: [...rec.namesHistory],
    topLayer: rec.topLayer,
    mappedTopLayers: [...rec.mappedTopLayers],
    metadata: rec.metadata,
    bigDataNames: [...rec.bigDataNames],
    bigDataSizes: { ...rec.bigDataSizes },
    bigDataDigests: { ...rec.bigDataDigests },
    created: rec.created,
    flags: structuredClone(rec.flags),
    readOnly: rec.readOnly,
  };
}

function nonEmpty(list: readonly string[]): readonly string[] | undefined {
  return list.length > 0 ? list : undefined;
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
