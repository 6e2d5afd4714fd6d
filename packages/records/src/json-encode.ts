import { UnsupportedValueError } from './errors.js';
import { JSONNumber, JSONObject } from './json-value.js';
import { GoTime } from './time.js';

/**
 * What `encodeGoJSON` accepts:
 * - a plain object is a Go *struct*: members in insertion order, `undefined` members skipped
 *   (that is how serializers express omitempty);
 * - a `Map` is a Go *map*: keys sorted by byte value (UTF-8 order);
 * - a `JSONObject` (from the parser) is written back member by member, as read;
 * - a `JSONNumber` is written with its original text; a JS number as Go writes a float64
 *   (integers without fraction or exponent); a bigint as an integer;
 * - a `GoTime` as its RFC 3339 string.
 */
export type GoValue =
  | null
  | undefined
  | boolean
  | number
  | bigint
  | string
  | GoTime
  | JSONNumber
  | JSONObject
  | readonly GoValue[]
  | ReadonlyMap<string, GoValue>
  | { readonly [key: string]: GoValue };

/** Encode like Go's encoding/json Marshal: compact, HTML-safe escapes, sorted map keys. */
export function encodeGoJSON(value: GoValue): string {
  const parts: string[] = [];
  write(value, parts);
  return parts.join('');
}

function write(v: GoValue, out: string[]): void {
  if (v === null || v === undefined) {
    out.push('null');
  } else if (typeof v === 'string') {
    out.push(quoteGoString(v));
  } else if (typeof v === 'boolean') {
    out.push(v ? 'true' : 'false');
  } else if (typeof v === 'number') {
    out.push(formatGoFloat(v));
  } else if (typeof v === 'bigint') {
    out.push(v.toString());
  } else if (v instanceof GoTime) {
    out.push(quoteGoString(v.toString()));
  } else if (v instanceof JSONNumber) {
    out.push(v.text);
  } else if (Array.isArray(v)) {
    out.push('[');
    v.forEach((item: GoValue, i: number) => {
      if (i > 0) out.push(',');
      write(item, out);
    });
    out.push(']');
  } else if (v instanceof JSONObject) {
    writeMembers(v.members, out);
  } else if (v instanceof Map) {
    const keys = [...(v as ReadonlyMap<string, GoValue>).keys()].sort(compareByteOrder);
    writeMembers(keys.map((k) => [k, (v as ReadonlyMap<string, GoValue>).get(k)] as [string, GoValue]), out);
  } else if (typeof v === 'object' && (Object.getPrototypeOf(v) === Object.prototype || Object.getPrototypeOf(v) === null)) {
    const entries = Object.entries(v as { [key: string]: GoValue }).filter(([, x]) => x !== undefined);
    writeMembers(entries, out);
  } else {
    throw new UnsupportedValueError(`cannot encode a value of type ${Object.prototype.toString.call(v)}`);
  }
}

function writeMembers(members: ReadonlyArray<readonly [string, GoValue]>, out: string[]): void {
  out.push('{');
  members.forEach(([k, x], i) => {
    if (i > 0) out.push(',');
    out.push(quoteGoString(k), ':');
    write(x, out);
  });
  out.push('}');
}

/** Go sorts map keys as byte strings (UTF-8); JS compares UTF-16 units, which differs above U+FFFF. */
export function compareByteOrder(a: string, b: string): number {
  if (a === b) return 0;
  // UTF-16 unit order equals UTF-8 byte order unless surrogates meet U+E000..U+FFFF.
  if (!HIGH_UNITS_RE.test(a) && !HIGH_UNITS_RE.test(b)) return a < b ? -1 : 1;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
const HIGH_UNITS_RE = /[\ud800-\uffff]/;

/** Go's float64 encoding (strconv 'f' for 1e-6 <= |x| < 1e21, else 'e'): the same digits JS prints. */
export function formatGoFloat(n: number): string {
  if (!Number.isFinite(n)) throw new UnsupportedValueError(`json: unsupported value: ${n}`);
  if (Object.is(n, -0)) return '-0';
  return String(n);
}

const HEX = '0123456789abcdef';

/**
 * Quote a string the way Go's encoding/json does (escapeHTML on): `"` and `\` escaped, \n \r \t
 * short, other control characters and `<` `>` `&` U+2028 U+2029 as \u00XX-style escapes, lone
 * surrogates (invalid UTF-8 in Go) replaced by U+FFFD.
 */
const PLAIN_STRING_RE = /^[^"\\<>&\u0000-\u001f\u2028\u2029\ud800-\udfff]*$/;

export function quoteGoString(s: string): string {
  if (PLAIN_STRING_RE.test(s)) return '"' + s + '"'; // the common case: nothing to escape
  let out = '"';
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let rep: string | undefined;
    if (c < 0x20 || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) {
      if (c === 0x22) rep = '\\"';
      else if (c === 0x5c) rep = '\\\\';
      else if (c === 0x0a) rep = '\\n';
      else if (c === 0x0d) rep = '\\r';
      else if (c === 0x09) rep = '\\t';
      else rep = '\\u00' + HEX[c >> 4] + HEX[c & 15];
    } else if (c === 0x2028 || c === 0x2029) {
      rep = c === 0x2028 ? '\\u2028' : '\\u2029';
    } else if (c >= 0xd800 && c <= 0xdfff) {
      const next = s.charCodeAt(i + 1);
      if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
        i++; // a valid pair: keep both units as they are
        continue;
      }
      rep = '\ufffd';
    }
    if (rep !== undefined) {
      out += s.slice(start, i) + rep;
      start = i + 1;
    }
  }
  return out + s.slice(start) + '"';
}
