/**
 * gzip output deflated on several threads, the way Go's pgzip writes `diff --gzip`: the input is
 * cut into 1 MiB blocks, each deflated on libuv's thread pool with the previous 32 KiB as its
 * dictionary and ended by a sync flush (an empty stored block, byte-aligned), so the pieces
 * concatenate into one deflate stream; the last block ends it with Z_FINISH. One gzip member:
 * header, the blocks in order, CRC-32 and size (RFC 1952). The CRC is taken on the calling thread
 * as the input arrives (zlib's crc32 runs at several GB/s).
 */
import { availableParallelism } from 'node:os';
import { Transform, type TransformCallback } from 'node:stream';
import { constants, crc32, deflateRaw } from 'node:zlib';

const BLOCK = 1 << 20;
const DICT = 32 << 10;
/** deflateBound() of a block plus the sync flush marker: one output chunk per block. */
const OUT_CHUNK = BLOCK + (BLOCK >> 10) + 64;
/**
 * zlib level 4. Go's default (pgzip over klauspost's flate at DefaultCompression) is a faster
 * algorithm than zlib's level 6: on the bench layers Go writes 51.10 MB (base) and 11.19 MB
 * (upper); zlib in 1 MiB blocks writes 50.47 / 11.01 MB at level 4 (51.81 / 11.34 at level 3,
 * 49.47 / 10.71 at level 6 for 1.5x the CPU). Level 4 is the cheapest that compresses at least
 * as well as Go's default there.
 */
export const GZIP_LEVEL = 4;
/** Go's gzip header: no name, mtime 0, XFL 0, OS 255 ("unknown"). */
const HEADER = Buffer.from([0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff]);

export interface ParallelGzipOptions {
  /** zlib level 1-9 (default GZIP_LEVEL) */
  level?: number;
  /**
   * blocks being deflated at once (default: CPUs + 1, so the pool never waits for the next
   * block); finished blocks wait for the slower ones before them, up to 4x this many in all
   */
  concurrency?: number;
  /** block size in bytes (default 1 MiB, as pgzip); tests use small ones */
  blockSize?: number;
}

interface Job {
  out: Buffer | undefined;
  error: Error | undefined;
}

export class ParallelGzip extends Transform {
  readonly #level: number;
  readonly #concurrency: number;
  readonly #blockSize: number;
  /** input not yet cut into a block */
  #pending: Buffer[] = [];
  #pendingLength = 0;
  /** the last DICT bytes of the previous block (a view: input chunks are never written again) */
  #dict: Buffer | undefined;
  /** dispatched blocks, in stream order; the head is pushed as soon as it is done */
  readonly #jobs: Job[] = [];
  /** blocks still being deflated (a slow block must not keep the others idle) */
  #running = 0;
  /** the _transform callback waiting for a free slot, or the _flush one waiting for all blocks */
  #waiting: { cb: TransformCallback; all: boolean } | undefined;
  #crc = 0;
  #size = 0;
  #headerSent = false;

  constructor(opts: ParallelGzipOptions = {}) {
    super({ writableHighWaterMark: 1 << 20, readableHighWaterMark: 1 << 20 });
    this.#level = opts.level ?? GZIP_LEVEL;
    if (!Number.isInteger(this.#level) || this.#level < 1 || this.#level > 9) throw new RangeError(`gzip level must be 1-9, got ${this.#level}`);
    this.#concurrency = Math.max(1, opts.concurrency ?? availableParallelism() + 1);
    this.#blockSize = opts.blockSize ?? BLOCK;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: TransformCallback): void {
    if (chunk.length === 0) {
      cb();
      return;
    }
    this.#crc = crc32(chunk, this.#crc);
    this.#size += chunk.length;
    this.#pending.push(chunk);
    this.#pendingLength += chunk.length;
    // Keep one block's worth back even when it is complete: only the final block may be last.
    while (this.#pendingLength > this.#blockSize) this.#dispatch(this.#take(this.#blockSize), false);
    this.#wait(false, cb);
  }

  override _flush(cb: TransformCallback): void {
    this.#dispatch(this.#take(this.#pendingLength), true);
    this.#wait(true, (err) => {
      if (err) {
        cb(err);
        return;
      }
      const trailer = Buffer.allocUnsafe(8);
      trailer.writeUInt32LE(this.#crc >>> 0, 0);
      trailer.writeUInt32LE(this.#size % 0x1_0000_0000, 4);
      cb(null, trailer);
    });
  }

  override _destroy(err: Error | null, cb: (error?: Error | null) => void): void {
    this.#waiting = undefined;
    this.#jobs.length = 0;
    cb(err);
  }

  /** The next `n` pending bytes as one buffer (no copy when one chunk holds them). */
  #take(n: number): Buffer {
    let block: Buffer;
    const first = this.#pending[0];
    if (first !== undefined && first.length >= n) {
      block = first.subarray(0, n);
      if (first.length === n) this.#pending.shift();
      else this.#pending[0] = first.subarray(n);
    } else {
      block = Buffer.allocUnsafe(n);
      let used = 0;
      while (used < n) {
        const c = this.#pending[0]!;
        const k = Math.min(c.length, n - used);
        c.copy(block, used, 0, k);
        used += k;
        if (k === c.length) this.#pending.shift();
        else this.#pending[0] = c.subarray(k);
      }
    }
    this.#pendingLength -= n;
    return block;
  }

  #dispatch(block: Buffer, last: boolean): void {
    const job: Job = { out: undefined, error: undefined };
    this.#jobs.push(job);
    this.#running++;
    const dict = this.#dict;
    this.#dict = block.length >= DICT ? block.subarray(block.length - DICT) : undefined;
    const opts = {
      level: this.#level,
      chunkSize: OUT_CHUNK,
      finishFlush: last ? constants.Z_FINISH : constants.Z_SYNC_FLUSH,
      ...(dict === undefined ? {} : { dictionary: dict }),
    };
    try {
      deflateRaw(block, opts, (err, out) => {
        this.#running--;
        if (err) job.error = err;
        else job.out = out;
        this.#pump();
      });
    } catch (err) {
      this.#running--;
      job.error = err as Error; // reported in order, by the next #pump
      queueMicrotask(() => this.#pump());
    }
  }

  /** Pushes finished blocks in order, then lets a waiting callback go if its condition holds. */
  #pump(): void {
    for (;;) {
      const head = this.#jobs[0];
      if (head === undefined || (head.out === undefined && head.error === undefined)) break;
      this.#jobs.shift();
      if (head.error !== undefined) {
        const w = this.#waiting;
        this.#waiting = undefined;
        if (w !== undefined) w.cb(head.error);
        else this.destroy(head.error);
        return;
      }
      if (!this.#headerSent) {
        this.#headerSent = true;
        this.push(HEADER);
      }
      this.push(head.out);
    }
    const w = this.#waiting;
    if (w !== undefined && this.#ready(w.all)) {
      this.#waiting = undefined;
      w.cb();
    }
  }

  /** all: every block is out; else: room for another block (a free slot, bounded memory). */
  #ready(all: boolean): boolean {
    if (all) return this.#jobs.length === 0;
    return this.#running < this.#concurrency && this.#jobs.length < 4 * this.#concurrency;
  }

  #wait(all: boolean, cb: TransformCallback): void {
    if (this.#ready(all)) {
      cb();
      return;
    }
    this.#waiting = { cb, all };
  }
}

/** A gzip stream that deflates blocks in parallel (see ParallelGzip). */
export function createParallelGzip(opts: ParallelGzipOptions = {}): Transform {
  return new ParallelGzip(opts);
}
