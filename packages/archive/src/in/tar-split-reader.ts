import { isAscii } from 'node:buffer';
import { Readable } from 'node:stream';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { ArchiveError } from '../common/errors.js';
import { Crc64, crc64 } from '../common/crc64.js';
import { cleanComponents, goCleanKey } from '../common/paths.js';
import { closeSync } from 'node:fs';
import * as sys from '@cs/sys';
import { O_NOFOLLOW, O_RDONLY, errCode, fsx } from './fsx.js';
import { Root } from './root.js';

/** One record of a tar-split stream (on-disk.md §1.7). */
export interface TarSplitRecord {
  type: 1 | 2;
  name?: Buffer;
  size: number;
  payload: Buffer | null;
  position: number;
}

function corrupt(detail: string): ArchiveError {
  return new ArchiveError('ERR_TARSPLIT_CORRUPT', `invalid tar-split stream: ${detail}`);
}

function toRecord(line: string): TarSplitRecord {
  let j: Record<string, unknown>;
  try {
    j = JSON.parse(line) as Record<string, unknown>;
  } catch (e) {
    throw corrupt(`bad JSON (${(e as Error).message})`);
  }
  const type = j.type;
  if (type !== 1 && type !== 2) throw corrupt(`unknown entry type ${String(type)}`);
  const size = j.size === undefined ? 0 : j.size;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) throw corrupt('bad size');
  const payload = typeof j.payload === 'string' ? Buffer.from(j.payload, 'base64') : null;
  const rec: TarSplitRecord = { type, size, payload, position: typeof j.position === 'number' ? j.position : -1 };
  if (typeof j.name_raw === 'string' && j.name_raw !== '') rec.name = Buffer.from(j.name_raw, 'base64');
  else if (typeof j.name === 'string') rec.name = Buffer.from(j.name, 'utf8');
  return rec;
}

const LF = 0x0a;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const TYPE_PREFIX = Buffer.from('{"type":');
const NAME_FIELD = Buffer.from(',"name":"');
const SIZE_FIELD = Buffer.from(',"size":');
const PAYLOAD_FIELD = Buffer.from(',"payload":');
const NULL_VALUE = Buffer.from('null');
const POSITION_FIELD = Buffer.from(',"position":');

/** Index after `lit` if the bytes at i spell it, else -1. */
function match(b: Buffer, i: number, end: number, lit: Buffer): number {
  if (end - i < lit.length) return -1;
  for (let k = 0; k < lit.length; k++) if (b[i + k] !== lit[k]) return -1;
  return i + lit.length;
}

let uintEnd = 0;
/** A plain JSON non-negative integer (no sign, no leading zero, safe); -1 otherwise. Sets uintEnd. */
function readUint(b: Buffer, i: number, end: number): number {
  const start = i;
  let v = 0;
  for (; i < end; i++) {
    const c = b[i]!;
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
  }
  const n = i - start;
  if (n === 0 || n > 15 || (n > 1 && b[start] === 0x30)) return -1;
  uintEnd = i;
  return v;
}

/**
 * The line shape tar-split writers produce (Go's and ours: fixed field order, names without
 * escapes), decoded straight from the bytes. Anything else returns undefined and takes the
 * JSON.parse path, so this only saves time, never changes what is accepted.
 */
function fastRecord(b: Buffer, start: number, end: number): TarSplitRecord | undefined {
  let i = match(b, start, end, TYPE_PREFIX);
  if (i < 0 || i >= end) return undefined;
  const t = b[i]!;
  if (t !== 0x31 && t !== 0x32) return undefined;
  const type = t === 0x31 ? 1 : 2;
  i++;
  let name: Buffer | undefined;
  let j = match(b, i, end, NAME_FIELD);
  if (j >= 0) {
    let k = j;
    for (; k < end; k++) {
      const c = b[k]!;
      if (c === QUOTE) break;
      if (c < 0x20 || c > 0x7e || c === BACKSLASH) return undefined;
    }
    if (k >= end) return undefined;
    name = Buffer.from(b.subarray(j, k));
    i = k + 1;
  }
  let size = 0;
  j = match(b, i, end, SIZE_FIELD);
  if (j >= 0) {
    size = readUint(b, j, end);
    if (size < 0) return undefined;
    i = uintEnd;
  }
  i = match(b, i, end, PAYLOAD_FIELD);
  if (i < 0 || i >= end) return undefined;
  let payload: Buffer | null = null;
  if (b[i] === QUOTE) {
    const k = b.indexOf(QUOTE, i + 1);
    if (k === -1 || k >= end) return undefined;
    // Escapes and non-ASCII would decode differently through JSON: leave those to JSON.parse.
    const text = b.subarray(i + 1, k);
    if (!isAscii(text) || text.includes(BACKSLASH)) return undefined;
    payload = Buffer.from(text.toString('latin1'), 'base64');
    i = k + 1;
  } else {
    i = match(b, i, end, NULL_VALUE);
    if (i < 0) return undefined;
  }
  i = match(b, i, end, POSITION_FIELD);
  if (i < 0) return undefined;
  const position = readUint(b, i, end);
  if (position < 0) return undefined;
  i = uintEnd;
  if (b[i] !== 0x7d) return undefined;
  for (i++; i < end; i++) if (b[i] !== 0x20 && b[i] !== 0x09 && b[i] !== 0x0d) return undefined;
  const rec: TarSplitRecord = { type, size, payload, position };
  if (name !== undefined) rec.name = name;
  return rec;
}

/** One line (without its newline): a record, or undefined for a blank line. */
export function lineRecord(b: Buffer, start: number, end: number): TarSplitRecord | undefined {
  const fast = fastRecord(b, start, end);
  if (fast !== undefined) return fast;
  if (b.toString('latin1', start, end).trim() === '') return undefined;
  return toRecord(b.toString('utf8', start, end));
}

/** The decompressed tar-split, up to 4 MiB ahead of the parser. */
async function* tarSplitText(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<Buffer> {
  // Node's zlib streams pass stream options on (the ZlibOptions type just does not list them).
  const gz = createGunzip({ chunkSize: 256 << 10, readableHighWaterMark: 4 << 20 } as ZlibOptions);
  const src = tarSplitGz instanceof Uint8Array ? Readable.from([tarSplitGz]) : Readable.from(tarSplitGz, { objectMode: false });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  try {
    yield* gz as AsyncIterable<Buffer>;
  } catch (e) {
    throw new ArchiveError('ERR_TARSPLIT_CORRUPT', `invalid tar-split stream: ${(e as Error).message}`, { cause: e });
  } finally {
    gz.destroy();
  }
}

/** Appends the records of the complete lines in `chunk` to `recs`; `partial` carries a line on. */
function parseLines(chunk: Buffer, partial: Buffer[], recs: TarSplitRecord[]): void {
  let start = 0;
  let nl = chunk.indexOf(LF);
  if (partial.length > 0 && nl !== -1) {
    partial.push(chunk.subarray(0, nl));
    const line = Buffer.concat(partial);
    partial.length = 0;
    const rec = lineRecord(line, 0, line.length);
    if (rec !== undefined) recs.push(rec);
    start = nl + 1;
    nl = chunk.indexOf(LF, start);
  }
  while (nl !== -1) {
    const rec = lineRecord(chunk, start, nl);
    if (rec !== undefined) recs.push(rec);
    start = nl + 1;
    nl = chunk.indexOf(LF, start);
  }
  // gunzip never writes to a chunk it handed out: a view is safe to keep
  if (start < chunk.length) partial.push(chunk.subarray(start));
}

/** The records of a gzip'd tar-split stream, a text chunk's worth at a time (no await per record). */
export async function* recordBatches(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TarSplitRecord[]> {
  const partial: Buffer[] = [];
  for await (const chunk of tarSplitText(tarSplitGz)) {
    const recs: TarSplitRecord[] = [];
    parseLines(chunk, partial, recs);
    yield recs;
  }
  if (partial.length > 0) {
    const recs: TarSplitRecord[] = [];
    parseLines(Buffer.from([LF]), partial, recs); // a last line without its newline
    yield recs;
  }
}

/** Parses a gzip'd tar-split stream into records, one at a time (bounded memory). */
export async function* readTarSplit(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TarSplitRecord> {
  for await (const recs of recordBatches(tarSplitGz)) yield* recs;
}

/** Opens a member's file in the first dir that has it (in-root lookup, final component not followed). */
export function openMember(roots: Root[], name: Buffer): number {
  const parts = cleanComponents(name);
  let last: unknown;
  for (const root of roots) {
    try {
      const dfd = root.dir(parts.slice(0, -1));
      return sys.openat2Sync(dfd, parts[parts.length - 1] ?? '.', { flags: O_RDONLY | O_NOFOLLOW });
    } catch (e) {
      last = e;
      const code = errCode(e);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw e;
    }
  }
  throw last ?? new Error('no file directories');
}

export function checksumError(name: Buffer): ArchiveError {
  const shown = name.toString('utf8');
  return new ArchiveError('ERR_TARSPLIT_CHECKSUM', `file integrity checksum failed for ${JSON.stringify(shown)}`, { entry: shown });
}
