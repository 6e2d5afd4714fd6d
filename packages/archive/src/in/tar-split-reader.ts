import { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
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

/** Parses a gzip'd tar-split stream into records, one line at a time (bounded memory). */
export async function* readTarSplit(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array): AsyncGenerator<TarSplitRecord> {
  const gz = createGunzip();
  const src = tarSplitGz instanceof Uint8Array ? Readable.from([tarSplitGz]) : Readable.from(tarSplitGz, { objectMode: false });
  src.on('error', (e) => gz.destroy(e));
  src.pipe(gz);
  let carry = '';
  try {
    for await (const chunk of gz as AsyncIterable<Buffer>) {
      carry += chunk.toString('latin1'); // JSON text is ASCII-safe except names; re-decoded below
      let nl: number;
      while ((nl = carry.indexOf('\n')) !== -1) {
        const line = carry.slice(0, nl);
        carry = carry.slice(nl + 1);
        if (line.trim() !== '') yield toRecord(Buffer.from(line, 'latin1').toString('utf8'));
      }
    }
  } catch (e) {
    if (e instanceof ArchiveError) throw e;
    throw new ArchiveError('ERR_TARSPLIT_CORRUPT', `invalid tar-split stream: ${(e as Error).message}`, { cause: e });
  }
  if (carry.trim() !== '') yield toRecord(Buffer.from(carry, 'latin1').toString('utf8'));
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

/** Files up to this size are read whole, several at once, ahead of the output. */
const SMALL_FILE = 1 << 20;
const READ_AHEAD = 16;

type Job =
  | { kind: 'raw'; data: Buffer }
  | { kind: 'small'; name: Buffer; size: number; crc: Buffer | null; content: Promise<Buffer> }
  | { kind: 'big'; name: Buffer; size: number; crc: Buffer | null };

async function readSmall(roots: Root[], name: Buffer, size: number): Promise<Buffer> {
  const fd = openMember(roots, name);
  try {
    const buf = Buffer.allocUnsafe(size);
    let have = 0;
    while (have < size) {
      const n = await fsx.read(fd, buf, have, size - have, have);
      if (n === 0) break;
      have += n;
    }
    return have === size ? buf : buf.subarray(0, have);
  } finally {
    closeSync(fd);
  }
}

export function checksumError(name: Buffer): ArchiveError {
  const shown = name.toString('utf8');
  return new ArchiveError('ERR_TARSPLIT_CHECKSUM', `file integrity checksum failed for ${JSON.stringify(shown)}`, { entry: shown });
}

async function* streamBig(roots: Root[], job: { name: Buffer; size: number; crc: Buffer | null }): AsyncGenerator<Buffer> {
  const fd = openMember(roots, job.name);
  try {
    const crc = new Crc64();
    let left = job.size;
    while (left > 0) {
      const buf = Buffer.allocUnsafe(Math.min(SMALL_FILE, left)); // fresh: the consumer may keep it
      const n = await fsx.read(fd, buf, 0, buf.length, null);
      if (n === 0) break;
      const piece = n === buf.length ? buf : buf.subarray(0, n);
      crc.update(piece);
      left -= n;
      yield piece;
    }
    if (left > 0 || job.crc === null || !crc.digest().equals(job.crc)) throw checksumError(job.name);
  } finally {
    closeSync(fd);
  }
}

export async function* assemble(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array, fileDirs: string[]): AsyncGenerator<Buffer> {
  const roots: Root[] = [];
  const window: Job[] = [];
  try {
    for (const d of fileDirs) roots.push(await Root.open(d));
    const seen = new Set<string>();
    const records = readTarSplit(tarSplitGz)[Symbol.asyncIterator]();
    let done = false;
    let smallInFlight = 0;
    for (;;) {
      // Fill the window: small files are read ahead, concurrently, while earlier bytes go out.
      while (!done && window.length < READ_AHEAD && !(window.length > 0 && window[window.length - 1]!.kind === 'big')) {
        const r = await records.next();
        if (r.done) {
          done = true;
          break;
        }
        const rec = r.value;
        if (rec.type === 2) {
          if (rec.payload !== null && rec.payload.length > 0) window.push({ kind: 'raw', data: rec.payload });
          continue;
        }
        const name = rec.name ?? Buffer.alloc(0);
        const key = goCleanKey(name);
        if (seen.has(key)) throw new ArchiveError('ERR_ARCHIVE_DUPLICATE_PATH', `duplicates of file paths not supported: ${name.toString('utf8')}`);
        seen.add(key);
        if (rec.size === 0) continue;
        if (rec.size <= SMALL_FILE && smallInFlight < READ_AHEAD) {
          const content = readSmall(roots, name, rec.size);
          content.catch(() => undefined); // reported when its turn comes
          smallInFlight++;
          window.push({ kind: 'small', name, size: rec.size, crc: rec.payload, content });
        } else {
          window.push({ kind: 'big', name, size: rec.size, crc: rec.payload });
        }
      }
      const job = window.shift();
      if (job === undefined) return;
      if (job.kind === 'raw') {
        yield job.data;
      } else if (job.kind === 'small') {
        smallInFlight--;
        const data = await job.content;
        if (job.crc === null || data.length !== job.size || !crc64(data).equals(job.crc)) throw checksumError(job.name);
        yield data;
      } else {
        yield* streamBig(roots, job);
      }
      for (const r of roots) r.collect(); // directory fds are only used synchronously in openMember
    }
  } finally {
    await Promise.allSettled(window.map((j) => (j.kind === 'small' ? j.content : undefined)));
    for (const r of roots) r.close();
  }
}

