const HEX = '0123456789abcdef';
/** Runes Go's strconv.IsPrint rejects: categories C and Z, except the ASCII space. */
const NON_PRINTABLE = /[\p{C}\p{Z}]/u;

/**
 * Go's %q (strconv.Quote) of a byte string: valid UTF-8 runes kept when printable, escapes for the
 * rest, `\xNN` for bytes that are not valid UTF-8 (file names may hold any bytes).
 */
export function goQuoteBytes(bytes: Uint8Array): string {
  let out = '"';
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    const len = runeLength(bytes, i);
    if (len === 0) {
      out += `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
      i++;
      continue;
    }
    const ch = Buffer.from(bytes.subarray(i, i + len)).toString('utf8');
    i += len;
    out += escapeRune(ch);
  }
  return `${out}"`;
}

const SIMPLE: Record<string, string> = { '"': '\\"', '\\': '\\\\', '\x07': '\\a', '\b': '\\b', '\f': '\\f', '\n': '\\n', '\r': '\\r', '\t': '\\t', '\v': '\\v' };

function escapeRune(ch: string): string {
  const simple = SIMPLE[ch];
  if (simple !== undefined) return simple;
  if (ch === ' ' || !NON_PRINTABLE.test(ch)) return ch;
  const cp = ch.codePointAt(0)!;
  if (cp < 0x80) return `\\x${HEX[cp >> 4]}${HEX[cp & 15]}`;
  if (cp <= 0xffff) return `\\u${cp.toString(16).padStart(4, '0')}`;
  return `\\U${cp.toString(16).padStart(8, '0')}`;
}

/** Length of the valid UTF-8 sequence at `i`, or 0 when the byte there does not start one. */
function runeLength(b: Uint8Array, i: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number): boolean => i + k < b.length && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    if (!cont(1) || !cont(2)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 >= 0xa0) return 0; // surrogates
    return 3;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const c1 = b[i + 1]!;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 >= 0x90) return 0;
    return 4;
  }
  return 0;
}
