import { genericToGo, readInt, readMap, readString, readStringArray, type GenericValue } from './decode.js';
import type { GoValue } from './json-encode.js';
import type { JSONValue } from './json-value.js';
import type { GoTime } from './time.js';

/** The members every image and container has (on-disk.md §2.4, §2.5), as callers see them. */
export interface RecordFields {
  id: string;
  names: string[];
  metadata: string;
  /** Big-data keys in insertion order. */
  bigDataNames: string[];
  bigDataSizes: Record<string, number>;
  bigDataDigests: Record<string, string>;
  created: GoTime;
  flags: Record<string, GenericValue>;
}

/** A record in memory: its members plus those this code does not know (kept on rewrite). */
export interface StoredRecord extends RecordFields {
  extra: Array<[string, JSONValue]>;
}

/** Lookups of a record store, available under the read lock (`ref` = ID, name or unique ID prefix). */
export interface RecordReader<Pub> {
  list(): Pub[];
  get(ref: string): Pub;
  exists(ref: string): boolean;
  lookup(ref: string): string;
  bigData(ref: string, key: string): Promise<Buffer>;
  bigDataSize(ref: string, key: string): Promise<number>;
  bigDataDigest(ref: string, key: string): string;
  bigDataNames(ref: string): string[];
}

/** Changes of a record store, available under the write lock (every change is saved before it returns). */
export interface RecordWriter<Pub> extends RecordReader<Pub> {
  delete(ref: string): Promise<void>;
  setNames(ref: string, names: string[]): Promise<Pub>;
  addNames(ref: string, names: string[]): Promise<Pub>;
  removeNames(ref: string, names: string[]): Promise<Pub>;
  setMetadata(ref: string, metadata: string): Promise<void>;
  setFlag(ref: string, flag: string, value: GenericValue): Promise<void>;
  clearFlag(ref: string, flag: string): Promise<void>;
  setBigData(ref: string, key: string, data: Uint8Array | string): Promise<void>;
  wipe(): Promise<void>;
}

type BigDataMembers = Pick<StoredRecord, 'bigDataNames' | 'bigDataSizes' | 'bigDataDigests'>;

/** The JSON names of the big-data members, for a decoder's list of known names. */
export const BIG_DATA_FIELDS = ['big-data-names', 'big-data-sizes', 'big-data-digests'] as const;

/** Decodes the big-data members; `get` returns a known member by JSON name, `where` prefixes messages. */
export function readBigDataMembers(get: (name: string) => JSONValue | undefined, where: string): BigDataMembers {
  return {
    bigDataNames: readStringArray(get('big-data-names'), `${where}.big-data-names`),
    bigDataSizes: toRecord(readMap(get('big-data-sizes'), `${where}.big-data-sizes`, (x, w) => readInt(x, w))),
    bigDataDigests: toRecord(readMap(get('big-data-digests'), `${where}.big-data-digests`, readString)),
  };
}

/** The big-data members in their JSON form (each left out when empty, as Go's omitempty). */
export function bigDataMembersToGo(rec: BigDataMembers): Record<string, GoValue> {
  return {
    'big-data-names': rec.bigDataNames.length > 0 ? rec.bigDataNames : undefined,
    'big-data-sizes': mapOf(rec.bigDataSizes),
    'big-data-digests': mapOf(rec.bigDataDigests),
  };
}

/** `flags` in its JSON form: a Go map, left out when empty. */
export function flagsToGo(flags: Record<string, GenericValue>): GoValue {
  return Object.keys(flags).length > 0 ? genericToGo(flags) : undefined;
}

/** Copies of the big-data members that callers may change without touching the store's state. */
export function copyBigDataMembers(rec: BigDataMembers): BigDataMembers {
  return { bigDataNames: [...rec.bigDataNames], bigDataSizes: { ...rec.bigDataSizes }, bigDataDigests: { ...rec.bigDataDigests } };
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
