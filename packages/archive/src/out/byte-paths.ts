/**
 * Paths inside this half are "byte strings": JS strings with one char per byte (latin1), so
 * names that are not valid UTF-8 survive, sort in byte order with the default comparison,
 * and still work as Map keys. These helpers convert at the edges.
 */
import { isUtf8 } from 'node:buffer';

// eslint-disable-next-line no-control-regex
const NON_ASCII = /[^\x00-\x7f]/;

/** A byte string as something fs accepts (plain string when ASCII, raw bytes otherwise). */
export function fsPath(bytes: string): string | Buffer {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1') : bytes;
}

/** A user-supplied (UTF-8) path or raw Buffer as a byte string. */
export function toBytes(p: string | Buffer): string {
  if (typeof p === 'string') return NON_ASCII.test(p) ? Buffer.from(p, 'utf8').toString('latin1') : p;
  return p.toString('latin1');
}

/** A byte string as a display string: UTF-8 decoded (U+FFFD for invalid bytes). */
export function toDisplay(bytes: string): string {
  return NON_ASCII.test(bytes) ? Buffer.from(bytes, 'latin1').toString('utf8') : bytes;
}

/** The raw bytes of a byte string when they are not valid UTF-8 (else undefined). */
export function rawIfNotUtf8(bytes: string): Buffer | undefined {
  if (!NON_ASCII.test(bytes)) return undefined;
  const buf = Buffer.from(bytes, 'latin1');
  return isUtf8(buf) ? undefined : buf;
}

export function joinBytes(dir: string, rel: string): string {
  if (rel === '') return dir;
  return dir.endsWith('/') ? dir + rel : `${dir}/${rel}`;
}

export function dirnameOf(p: string): string {
  const i = p.lastIndexOf('/');
  return i <= 0 ? (i === 0 ? '/' : '.') : p.slice(0, i);
}

export function basenameOf(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}
