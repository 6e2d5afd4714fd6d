import { RecordDecodeError, InvalidTimestampError } from './errors.js';
import { JSONNumber, JSONObject, type JSONValue } from './json-value.js';
import { GoTime } from './time.js';

/**
 * Splits a JSON object into the members a record knows and the ones it does not.
 * Names match the way Go's decoder matches struct fields: an exact match first, otherwise
 * case-insensitively; when a name appears twice the later value wins. Unknown members are
 * returned in file order so a rewrite can keep them (newer Go writers may have added them).
 */
export function splitMembers(
  obj: JSONValue,
  knownNames: readonly string[],
  where: string,
): { known: Map<string, JSONValue>; unknown: Array<[string, JSONValue]> } {
  if (!(obj instanceof JSONObject)) throw new RecordDecodeError(`${where}: expected an object, got ${describe(obj)}`);
  const lower = new Map(knownNames.map((n) => [n.toLowerCase(), n]));
  const exact = new Set(knownNames);
  const known = new Map<string, JSONValue>();
  const unknown = new Map<string, JSONValue>();
  for (const [key, value] of obj.members) {
    const field = exact.has(key) ? key : lower.get(key.toLowerCase());
    if (field === undefined) {
      unknown.delete(key); // keep the position of the last occurrence
      unknown.set(key, value);
    } else {
      known.set(field, value);
    }
  }
  return { known, unknown: [...unknown] };
}

export function describe(v: JSONValue | undefined): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'null';
  if (typeof v === 'string') return 'a string';
  if (typeof v === 'boolean') return 'a boolean';
  if (v instanceof JSONNumber) return `the number ${v.text}`;
  if (Array.isArray(v)) return 'an array';
  return 'an object';
}

// Every reader treats null (and absence) as the zero value, as Go does.

export function readString(v: JSONValue | undefined, where: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw new RecordDecodeError(`${where}: expected a string, got ${describe(v)}`);
  return v;
}

export function readBool(v: JSONValue | undefined, where: string): boolean {
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw new RecordDecodeError(`${where}: expected a boolean, got ${describe(v)}`);
  return v;
}

/** An integer within [min, max] (default: the int64 range that a double represents exactly). */
export function readInt(
  v: JSONValue | undefined,
  where: string,
  min = Number.MIN_SAFE_INTEGER,
  max = Number.MAX_SAFE_INTEGER,
): number {
  if (v === undefined || v === null) return 0;
  if (!(v instanceof JSONNumber) || !v.isIntegerLiteral()) {
    throw new RecordDecodeError(`${where}: expected an integer, got ${describe(v)}`);
  }
  const n = Number(v.text);
  if (!Number.isSafeInteger(n) || n < min || n > max) throw new RecordDecodeError(`${where}: integer ${v.text} out of range`);
  return n;
}

export function readArray<T>(v: JSONValue | undefined, where: string, item: (x: JSONValue, where: string) => T): T[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new RecordDecodeError(`${where}: expected an array, got ${describe(v)}`);
  return v.map((x, i) => item(x, `${where}[${i}]`));
}

export function readStringArray(v: JSONValue | undefined, where: string): string[] {
  return readArray(v, where, readString);
}

/** A JSON object read as a Go map[string]T (duplicate keys: the last wins). */
export function readMap<T>(v: JSONValue | undefined, where: string, item: (x: JSONValue, where: string) => T): Map<string, T> {
  const out = new Map<string, T>();
  if (v === undefined || v === null) return out;
  if (!(v instanceof JSONObject)) throw new RecordDecodeError(`${where}: expected an object, got ${describe(v)}`);
  for (const [k, x] of v.members) out.set(k, item(x, `${where}.${k}`));
  return out;
}

/** A time stamp; absent or null is Go's zero time, "" and non-RFC 3339 strings are errors. */
export function readTime(v: JSONValue | undefined, where: string): GoTime {
  if (v === undefined || v === null) return GoTime.ZERO;
  if (typeof v !== 'string') throw new RecordDecodeError(`${where}: expected a time string, got ${describe(v)}`);
  try {
    return GoTime.parse(v);
  } catch (err) {
    if (err instanceof InvalidTimestampError) throw new RecordDecodeError(`${where}: ${err.message}`);
    throw err;
  }
}

/**
 * A value decoded into Go's interface{} (used for `flags`): numbers become float64, objects
 * become maps (keys sorted when written back), arrays generic arrays.
 */
export type GenericValue = null | boolean | number | string | GenericValue[] | { [key: string]: GenericValue };

export function readGeneric(v: JSONValue): GenericValue {
  if (v === null || typeof v === 'boolean' || typeof v === 'string') return v;
  if (v instanceof JSONNumber) return v.toNumber();
  if (Array.isArray(v)) return v.map(readGeneric);
  const out: { [key: string]: GenericValue } = Object.create(null) as { [key: string]: GenericValue };
  for (const [k, x] of v.members) out[k] = readGeneric(x);
  return out;
}

export function readGenericMap(v: JSONValue | undefined, where: string): Record<string, GenericValue> {
  const m = readMap(v, where, (x) => readGeneric(x));
  const out: Record<string, GenericValue> = Object.create(null) as Record<string, GenericValue>;
  for (const [k, x] of m) out[k] = x;
  return out;
}

/** Turns generic objects into Maps so that encodeGoJSON sorts their keys as Go does for maps. */
export function genericToGo(v: GenericValue): import('./json-encode.js').GoValue {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map(genericToGo);
  return new Map(Object.entries(v).map(([k, x]) => [k, genericToGo(x)]));
}
