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
  let run = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    // Printable ASCII other than `"` and `\` stays as is; such runs (nearly every file name) are
    // decoded at once instead of rune by rune (`changes` of a big layer quotes thousands of paths).
    if (b >= 0x20 && b < 0x7f && b !== 0x22 && b !== 0x5c) {
      i++;
      continue;
    }
    if (run < i) out += textOf(bytes, run, i, 'latin1');
    const len = runeLength(bytes, i);
    if (len === 0) {
      out += `\\x${HEX[b >> 4]}${HEX[b & 15]}`;
      i++;
    } else {
      out += escapeRune(textOf(bytes, i, i + len, 'utf8'));
      i += len;
    }
    run = i;
  }
  if (run < i) out += textOf(bytes, run, i, 'latin1');
  return `${out}"`;
}

/** The bytes [start, end) as text, without copying them. */
function textOf(bytes: Uint8Array, start: number, end: number, encoding: 'latin1' | 'utf8'): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset + start, end - start).toString(encoding);
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
