import { access, constants } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { GzipInflater, gzipInflateAvailable } from '@cs/sys';
import { ArchiveError } from '../common/errors.js';
import { type Compression, DETECT_BYTES, detectCompression } from './detect.js';

/** System decompressors for the formats Node 20 lacks (see README: why system tools). */
const TOOLS: Record<'bzip2' | 'xz' | 'zstd', { bin: string; args: string[] }> = {
  bzip2: { bin: 'bzip2', args: ['-d', '-c'] },
  xz: { bin: 'xz', args: ['-d', '-c', '-T1'] },
  zstd: { bin: 'zstd', args: ['-d', '-c', '-q', '--no-progress'] },
};

/** Reads the first bytes of a stream, however the source chunks them, and gives them back. */
export async function peekHead(
  input: AsyncIterable<Uint8Array>,
  want = DETECT_BYTES,
): Promise<{ head: Buffer; rest: AsyncIterable<Uint8Array>; compression: Compression }> {
  const it = input[Symbol.asyncIterator]();
  const chunks: Buffer[] = [];
  let have = 0;
  let ended = false;
  let compression: Compression | undefined;
  // one chunk (the usual case) is its own head: no copy of the first MiB
  const joined = (): Buffer => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, have));
  for (;;) {
    compression = detectCompression(joined(), ended);
    if (compression !== undefined && (have >= want || ended)) break;
    if (ended) break;
    const r = await it.next();
    if (r.done) {
      ended = true;
      continue;
    }
    const c = Buffer.from(r.value.buffer, r.value.byteOffset, r.value.byteLength);
    if (c.length === 0) continue;
    chunks.push(c);
    have += c.length;
  }
  const head = joined();
  async function* rest(): AsyncGenerator<Uint8Array> {
    let done = ended;
    try {
      if (head.length > 0) yield head;
      while (!done) {
        const r = await it.next();
        if (r.done) done = true;
        else yield r.value;
      }
    } finally {
      if (!done) await it.return?.(); // the consumer stopped early: let the source close
    }
  }
  return { head, rest: rest(), compression: compression ?? 'none' };
}

async function findTool(bin: string): Promise<string | undefined> {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    if (dir === '' || !dir.startsWith('/')) continue; // never a relative PATH entry
    const p = join(dir, bin);
    try {
      await access(p, constants.X_OK);
      return p;
    } catch {
      // next
    }
  }
  return undefined;
}

/** Whether the system tool for a compression is installed ('none'/'gzip' always are). */
export async function canDecompress(c: Compression): Promise<boolean> {
  if (c === 'none' || c === 'gzip') return true;
  return (await findTool(TOOLS[c].bin)) !== undefined;
}

/** Feeds `src` into `dst` with backpressure; returns a counter of the bytes fed. */
function pipeInto(src: AsyncIterable<Uint8Array>, dst: NodeJS.WritableStream & { destroy(e?: Error): void }, onError: (e: Error) => void): { fed: number } {
  const counter = { fed: 0 };
  (async () => {
    for await (const chunk of src) {
      counter.fed += chunk.byteLength;
      if (!dst.write(chunk)) await new Promise<void>((res) => dst.once('drain', res));
    }
    dst.end();
  })().catch((e: Error) => onError(e));
  return counter;
}

/**
 * zlib works in pieces of this size, in and out: every piece is a round trip to libuv's pool and
 * back through the stream machinery, which with 64 KiB reads and 128 KiB outputs (~2000 per 100 MiB
 * layer) cost the applying thread more than the apply of small files.
 */
const ZLIB_PIECE = 1 << 20;

/** Joins small chunks into pieces of at least `min` bytes (the last one may be shorter). */
async function* coalesce(src: AsyncIterable<Uint8Array>, min: number): AsyncGenerator<Uint8Array> {
  let parts: Uint8Array[] = [];
  let have = 0;
  for await (const c of src) {
    if (parts.length === 0 && c.byteLength >= min) {
      yield c;
      continue;
    }
    parts.push(c);
    have += c.byteLength;
    if (have >= min) {
      yield Buffer.concat(parts, have);
      parts = [];
      have = 0;
    }
  }
  if (have > 0) yield parts.length === 1 ? parts[0]! : Buffer.concat(parts, have);
}

/**
 * gzip through ISA-L (@cs/sys GzipInflater, about 2.5x zlib's inflate speed) where the addon has it;
 * CS_GZIP_INFLATE=zlib forces node:zlib (comparisons, and a way out should ISA-L ever misbehave).
 */
function gunzipStream(src: AsyncIterable<Uint8Array>, ahead: number): Readable {
  return process.env.CS_GZIP_INFLATE !== 'zlib' && gzipInflateAvailable() ? isalGunzipStream(src, ahead) : zlibGunzipStream(src, ahead);
}

const gzipTruncated = (): ArchiveError => new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'gzip: unexpected EOF');
const gzipCorrupt = (what: string, cause?: unknown): ArchiveError =>
  new ArchiveError('ERR_ARCHIVE_CORRUPT_COMPRESSED', `gzip: ${what}`, cause === undefined ? undefined : { cause });

/**
 * ISA-L pieces: each call is a wake-up of a pool thread and a hop back to the applying thread, which on
 * 2 cores can preempt it; 1 MiB in / 4 MiB out (about 10 ms of inflate) measured best on base.tar.gz.
 */
const ISAL_IN_PIECE = 1 << 20;
const ISAL_OUT_PIECE = 4 << 20;

/**
 * Go's multistream gzip reader, on ISA-L: each member's trailer (CRC-32, size) is checked; after a member
 * the input must end or hold another gzip header, anything else is an invalid header (§1.2).
 */
function isalGunzipStream(src: AsyncIterable<Uint8Array>, ahead: number): Readable {
  async function* inflateAll(): AsyncGenerator<Buffer> {
    const inf = new GzipInflater();
    const input = coalesce(src, ISAL_IN_PIECE)[Symbol.asyncIterator]();
    let pending: Uint8Array = new Uint8Array(0);
    let ended = false;
    let inMember = true;
    let out: Buffer | undefined;
    const more = async (): Promise<void> => {
      const r = await input.next();
      if (r.done) ended = true;
      else pending = pending.byteLength === 0 ? r.value : Buffer.concat([pending, r.value]);
    };
    try {
      for (;;) {
        if (pending.byteLength === 0 && !ended) {
          await more();
          continue;
        }
        if (!inMember) {
          if (pending.byteLength === 0) return; // the input ended right after a member
          if (pending[0] !== 0x1f || (pending.byteLength > 1 && pending[1] !== 0x8b)) throw gzipCorrupt('invalid header (data after the last member)');
          inf.reset();
          inMember = true;
        }
        out ??= Buffer.allocUnsafe(ISAL_OUT_PIECE);
        let step;
        try {
          step = await inf.inflate(pending, out);
        } catch (e) {
          const code = (e as { code?: string }).code;
          throw gzipCorrupt(code === 'ERR_GZIP_CHECKSUM' ? 'invalid checksum' : `invalid data (${(e as Error).message})`, e);
        }
        pending = pending.subarray(step.consumed);
        if (step.produced > ISAL_OUT_PIECE / 4) {
          yield out.subarray(0, step.produced); // the reader keeps it: the next call gets a fresh buffer
          out = undefined;
        } else if (step.produced > 0) {
          yield Buffer.from(out.subarray(0, step.produced)); // a copy: a small piece must not pin 4 MiB
        }
        if (step.memberEnd) inMember = false;
        else if (step.consumed === 0 && step.produced === 0) {
          // ISA-L keeps partial headers itself, so no progress means the input ran out mid-member
          if (ended) throw gzipTruncated();
          await more();
        }
      }
    } finally {
      await input.return?.(undefined); // stop the source on an error or an early stop downstream
    }
  }
  return Readable.from(inflateAll(), { objectMode: false, highWaterMark: ahead });
}

/** gzip through node:zlib: members are concatenated; anything else after the last one is an error (§1.2). */
function zlibGunzipStream(src: AsyncIterable<Uint8Array>, ahead: number): Readable {
  const out = new PassThrough({ highWaterMark: ahead });
  const gz = createGunzip({ chunkSize: ZLIB_PIECE });
  let failed = false;
  const fail = (e: Error): void => {
    if (failed) return;
    failed = true;
    const err =
      e instanceof ArchiveError
        ? e
        : /unexpected end of file/i.test(e.message)
          ? new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'gzip: unexpected EOF', { cause: e })
          : new ArchiveError('ERR_ARCHIVE_CORRUPT_COMPRESSED', `gzip: invalid header (${e.message})`, { cause: e });
    gz.destroy();
    out.destroy(err);
  };
  gz.on('error', fail);
  gz.pipe(out, { end: false });
  const counter = pipeInto(coalesce(src, ZLIB_PIECE / 4), gz, fail);
  gz.on('end', () => {
    // zlib silently drops bytes after the last member unless they look like a gzip header; Go does not.
    if (gz.bytesWritten < counter.fed) fail(new ArchiveError('ERR_ARCHIVE_CORRUPT_COMPRESSED', 'gzip: invalid header (data after the last member)'));
    else if (!failed) out.end();
  });
  return out;
}

function toolStream(kind: 'bzip2' | 'xz' | 'zstd', src: AsyncIterable<Uint8Array>, ahead: number): Readable {
  const out = new PassThrough({ highWaterMark: ahead });
  (async () => {
    const bin = await findTool(TOOLS[kind].bin);
    if (bin === undefined) {
      throw new ArchiveError(
        'ERR_ARCHIVE_DECOMPRESSOR_MISSING',
        `cannot decompress ${kind} layer: the '${TOOLS[kind].bin}' program is not installed (Debian package ${kind === 'xz' ? 'xz-utils' : kind})`,
      );
    }
    // Runs with the caller's cwd and environment, never inside the layer (CVE-2014-9357 lesson).
    // node:child_process only for these formats (loaded on first use)
    const child = process.getBuiltinModule('node:child_process').spawn(bin, TOOLS[kind].args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      if (stderr.length < 4096) stderr += d;
    });
    let failed = false;
    const fail = (e: Error): void => {
      if (failed) return;
      failed = true;
      child.kill('SIGKILL'); // on any error, stop every stage (CVE-2021-20291 lesson)
      out.destroy(e);
    };
    child.on('error', fail);
    child.stdin.on('error', () => {
      /* EPIPE when the tool exits early: its exit status reports the reason */
    });
    child.stdout.pipe(out, { end: false });
    const exited = new Promise<number | null>((res) => child.on('close', (code) => res(code)));
    pipeInto(src, child.stdin, fail);
    out.on('close', () => {
      if (child.exitCode === null) child.kill('SIGKILL');
    });
    const code = await exited;
    if (failed) return;
    if (code !== 0) {
      const msg = stderr.trim().split('\n').pop() ?? '';
      const truncatedInput = /unexpected end|truncated|premature|incomplete/i.test(stderr);
      fail(
        new ArchiveError(
          truncatedInput ? 'ERR_ARCHIVE_TRUNCATED' : 'ERR_ARCHIVE_CORRUPT_COMPRESSED',
          `${kind}: ${truncatedInput ? 'unexpected EOF' : 'data invalid'}: ${msg}`,
        ),
      );
      return;
    }
    out.end();
  })().catch((e: Error) => out.destroy(e));
  return out;
}

/**
 * A decompressing stream for an already-detected compression; up to `ahead` bytes of output are
 * buffered before the decompressor waits for the reader.
 */
export function decompressAs(compression: Compression, src: AsyncIterable<Uint8Array>, ahead = 256 * 1024): Readable {
  switch (compression) {
    case 'none':
      return Readable.from(src, { objectMode: false });
    case 'gzip':
      return gunzipStream(src, ahead);
    case 'bzip2':
    case 'xz':
    case 'zstd':
      return toolStream(compression, src, ahead);
    default:
      throw new ArchiveError('ERR_ARCHIVE_UNSUPPORTED_COMPRESSION', `unsupported compression ${String(compression)}`);
  }
}

/** Detect the compression (reading until the magic is decided) and decompress as a stream. */
export async function decompress(input: AsyncIterable<Uint8Array>): Promise<{ compression: Compression; stream: Readable }> {
  const { rest, compression } = await peekHead(input);
  return { compression, stream: decompressAs(compression, rest) };
}
