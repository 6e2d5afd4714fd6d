import { isValidDigest } from '@cs/ids';
import {
  BIG_DATA_FIELDS,
  bigDataMembersToGo,
  copyBigDataMembers,
  flagsToGo,
  readBigDataMembers,
  readGenericMap,
  readString,
  readStringArray,
  readTime,
  splitMembers,
  type GoValue,
  type JSONValue,
  type RecordFields,
  type StoredRecord,
} from '@cs/records';
import { InvalidImageDigestError } from './errors.js';

/**
 * An image as callers see it: the images.json record plus the computed digest list
 * (`id`, `names`, `metadata`, big-data members, `created`, `flags` as every record has).
 */
export interface Image extends RecordFields {
  /** The "searchable" digest ('' when none). */
  digest: string;
  /** Computed, not stored: `digest` first, then the distinct digests of `manifest*` big-data items. */
  digests: string[];
  /** Every name ever given, most recent first. */
  namesHistory: string[];
  /** Top layer ID ('' for an image without layers). */
  topLayer: string;
  /** Alternate top layers (same contents, other ID mappings). */
  mappedTopLayers: string[];
  /** Found in a read-only (additional) store. Not stored. */
  readOnly: boolean;
}

/** The in-memory record: the public fields plus members this code does not know (kept on rewrite). */
export interface ImageRecord extends Image, StoredRecord {}

const FIELDS = [
  'id',
  'digest',
  'names',
  'names-history',
  'layer',
  'mapped-layers',
  'metadata',
  ...BIG_DATA_FIELDS,
  'created',
  'flags',
] as const;

export function decodeImage(value: JSONValue, where: string): ImageRecord {
  const { known, unknown } = splitMembers(value, FIELDS, where);
  const f = (name: string) => known.get(name);
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
    ...readBigDataMembers(f, where),
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
    ...bigDataMembersToGo(rec),
    created: rec.created,
    flags: flagsToGo(rec.flags),
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
    ...copyBigDataMembers(rec),
    created: rec.created,
    flags: structuredClone(rec.flags),
    readOnly: rec.readOnly,
  };
}

function nonEmpty(list: readonly string[]): readonly string[] | undefined {
  return list.length > 0 ? list : undefined;
}

