/**
 * `diff` of an unmodified layer: the original tar rebuilt from its tar-split and the layer's files
 * (layer-diff.md §5.6.4), on the calling thread. The tar-split text is gunzipped ahead on the
 * thread pool and parsed synchronously a chunk at a time (tar-split-reader.ts); files are read with synchronous calls
 * straight into 1 MiB output batches (a thread-pool round trip per small file cost more than the
 * read itself, and a worker thread ~50 ms to start). The event loop gets a turn at least every
 * few milliseconds (time-slice.ts).
 */
import { closeSync, constants, readSync } from 'node:fs';
import * as sys from '@cs/sys';
import { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { ArchiveError } from '../common/errors.js';
import { Crc64 } from '../common/crc64.js';
import { cleanComponents, goCleanKey } from '../common/paths.js';
import { Root } from '../in/root.js';
import { checksumError, openMember, recordBatches, type TarSplitRecord } from '../in/tar-split-reader.js';
import { TimeSlicer } from './time-slice.js';

const BATCH = 1 << 20;
/** What a missing member in one of several dirs looks like: try the next dir. */
const MISSING = new Set(['ENOENT', 'ENOTDIR']);
const OPEN_MEMBER = {
  flags: constants.O_RDONLY | constants.O_NOFOLLOW | sys.O.CLOEXEC,
  // chroot semantics in the kernel: '..' and absolute symlinks stay below the dir, as in Root
  resolve: sys.RESOLVE.IN_ROOT | sys.RESOLVE.NO_MAGICLINKS,
};

const DOTDOT = Buffer.from('..');
const SLASH = Buffer.from('/');

/**
 * A member name cleaned the way apply cleaned it (`..` pops a component, clamped at the root), so
 * `a/../x` finds the `x` apply wrote even where no `a` exists; the kernel would need `a` to walk it.
 */
function lexicalName(name: Buffer): Buffer | string {
  if (name.length === 0) return '.';
  if (!name.includes(DOTDOT)) return name;
  const parts = cleanComponents(name);
  return parts.length === 0 ? '.' : Buffer.concat(parts.flatMap((p, i) => (i === 0 ? [p] : [SLASH, p])));
}

/**
 * Opens a member's file in the first of `roots` that has it, with one openat2(RESOLVE_IN_ROOT)
 * per dir: the kernel walks the name with the same in-root rules as Root's component-by-component
 * lookup (layer-diff.md §4.2), without a JavaScript step per component. Should the kernel ask for
 * a retry (EAGAIN: a rename raced the lookup) the lookup is left to Root.
 */
function openInRoots(roots: Root[], name: Buffer): number {
  const inRoot = lexicalName(name);
  let last: unknown;
  for (const root of roots) {
    try {
      return sys.openat2Sync(root.fd, inRoot, OPEN_MEMBER);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EAGAIN') return openMember(roots, name);
      if (code === undefined || !MISSING.has(code)) throw e;
      last = e;
    }
  }
  throw last ?? new Error('no file directories');
}

/**
 * Turns records into output batches, synchronously. The per-record work lives in this plain
 * method rather than in the async generator: V8 optimizes a loop in a method, while a generator
 * body that runs once stays in baseline code (measured ~2x slower for the whole replay).
 */
export class Assembler {
  out = Buffer.allocUnsafeSlow(BATCH);
  used = 0;
  #recs: TarSplitRecord[] = [];
  #next = 0;
  readonly #seen = new Set<string>();
  /** the rest of a segment that did not fit in the last batch */
  #segment: Buffer | null = null;
  /** the file being copied: fd, bytes still to read, running CRC */
  #fd = -1;
  #left = 0;
  #crc = new Crc64();
  #file: TarSplitRecord | undefined;

  constructor(private readonly roots: Root[]) {}

  feed(recs: TarSplitRecord[]): void {
    this.#recs = recs;
    this.#next = 0;
  }

  /** Fills the batch: true when it is full (take() it), false when the fed records are used up. */
  fill(): boolean {
    const out = this.out;
    for (;;) {
      if (this.used === BATCH) return true;
      if (this.#segment !== null) {
        const n = this.#segment.copy(out, this.used);
        this.used += n;
        this.#segment = n === this.#segment.length ? null : this.#segment.subarray(n);
      } else if (this.#fd >= 0) {
        const n = readSync(this.#fd, out, this.used, Math.min(BATCH - this.used, this.#left), null);
        this.#crc.update(out.subarray(this.used, this.used + n));
        this.used += n;
        this.#left -= n;
        if (this.#left === 0 || n === 0) this.#endFile();
      } else if (this.#next < this.#recs.length) {
        this.#start(this.#recs[this.#next++]!);
      } else {
        return false;
      }
    }
  }

  #start(rec: TarSplitRecord): void {
    if (rec.type === 2) {
      if (rec.payload !== null && rec.payload.length > 0) this.#segment = rec.payload;
      return;
    }
    const name = rec.name ?? Buffer.alloc(0);
    const key = goCleanKey(name);
    if (this.#seen.has(key)) throw new ArchiveError('ERR_ARCHIVE_DUPLICATE_PATH', `duplicates of file paths not supported: ${name.toString('utf8')}`);
    this.#seen.add(key);
    if (rec.size === 0) return;
    this.#fd = openInRoots(this.roots, name);
    for (const r of this.roots) r.collect(); // directory fds (of a Root lookup) are only used synchronously
    this.#file = rec;
    this.#left = rec.size;
    this.#crc = new Crc64();
  }

  #endFile(): void {
    const rec = this.#file!;
    closeSync(this.#fd);
    this.#fd = -1;
    // A file that grew is read to its recorded size; its checksum then decides (as upstream).
    if (this.#left > 0 || rec.payload === null || !this.#crc.digest().equals(rec.payload)) throw checksumError(rec.name ?? Buffer.alloc(0));
  }

  /** The batch so far; a fresh one follows (the consumer keeps what it is given). */
  take(): Buffer {
    const b = this.used === BATCH ? this.out : this.out.subarray(0, this.used);
    this.out = Buffer.allocUnsafeSlow(BATCH);
    this.used = 0;
    return b;
  }

  close(): void {
    if (this.#fd >= 0) closeSync(this.#fd);
    this.#fd = -1;
  }
}

async function* replay(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array, fileDirs: readonly string[], self: { stream?: Readable }): AsyncGenerator<Buffer> {
  const roots: Root[] = [];
  const slicer = new TimeSlicer();
  let asm: Assembler | undefined;
  try {
    for (const d of fileDirs) roots.push(Root.openSync(d));
    asm = new Assembler(roots);
    for await (const recs of recordBatches(tarSplitGz)) {
      asm.feed(recs);
      for (;;) {
        const full = asm.fill();
        if (full) yield asm.take();
        if (slicer.due()) await slicer.yieldTurn();
        if (!full) break;
      }
    }
    if (asm.used > 0) yield asm.take();
  } catch (e) {
    // The bytes before the failure go out first, the failing file's included, as upstream. A
    // destroyed Readable drops what it still buffers: give the reader a few turns to take them.
    if (asm !== undefined && asm.used > 0) yield asm.take();
    for (let turn = 0; turn < 100 && (turn === 0 || self.stream!.readableLength > 0); turn++) await nextTurn();
    throw e;
  } finally {
    asm?.close();
    for (const r of roots) r.close();
  }
}

/**
 * Rebuilds the original uncompressed tar from a gzip'd tar-split stream and the layer's files,
 * looked up in each of `fileDirs` in turn (first hit wins) with in-root resolution. A file whose
 * CRC-64 differs from the recorded one fails the stream with ERR_TARSPLIT_CHECKSUM after the
 * bytes before it; a bad tar-split with ERR_TARSPLIT_CORRUPT.
 */
export function replayTarSplit(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array, fileDirs: readonly string[]): Readable {
  const self: { stream?: Readable } = {};
  self.stream = Readable.from(replay(tarSplitGz, fileDirs, self), { objectMode: false, highWaterMark: BATCH });
  return self.stream;
}
