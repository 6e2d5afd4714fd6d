import { Worker } from 'node:worker_threads';

/** The two digested streams of an input: as read (raw) and decompressed (plain). */
export const RAW = 0;
export const PLAIN = 1;
export type HashedStream = typeof RAW | typeof PLAIN;

/** sha256 of the raw and the plain input, fed as the apply reads them. */
export interface InputHasher {
  /** Hashes a chunk (copied when it crosses to another thread); a promise when too much is pending there. */
  update(stream: HashedStream, chunk: Uint8Array): Promise<void> | undefined;
  /** Hex digests of both streams, once everything was fed. */
  digests(): Promise<[string, string]>;
  /** Stops the hashing (on failure). */
  close(): void;
}

/** The calling thread hashes (CS_ARCHIVE_APPLY_IN_PROCESS=1, or where no worker can start). */
class HereHasher implements InputHasher {
  // node:crypto only here: the applying thread does not load it otherwise (OpenSSL's start-up is not free)
  private readonly hashes = [0, 1].map(() => process.getBuiltinModule('node:crypto').createHash('sha256'));
  update(stream: HashedStream, chunk: Uint8Array): undefined {
    this.hashes[stream]!.update(chunk);
    return undefined;
  }
  async digests(): Promise<[string, string]> {
    return [this.hashes[0]!.digest('hex'), this.hashes[1]!.digest('hex')];
  }
  close(): void {}
}

// Acknowledged in groups of 8 batches (each message wakes the applying thread), handing the
// hashed batch buffers back for reuse (fresh 1 MiB buffers cost page faults and GC pressure).
// Inline code, valid as a CommonJS and as an ES module script (a worker inherits flags such as
// --input-type=module): nothing to resolve or load but node:crypto, so it starts in a few
// milliseconds wherever the package is bundled, and never on the apply's critical path.
const CODE = `const ACK_EVERY = 8;
import('node:worker_threads').then(async ({ parentPort }) => {
  const { createHash } = await import('node:crypto');
  const hashes = [createHash('sha256'), createHash('sha256')];
  let done = [];
  parentPort.on('message', (m) => {
    if (m.type === 'data') {
      hashes[m.stream].update(m.data);
      done.push(m.data.buffer);
      if (done.length === ACK_EVERY) { parentPort.postMessage({ type: 'ack', buffers: done }, done); done = []; }
    } else parentPort.postMessage({ type: 'digests', hex: hashes.map((h) => h.digest('hex')) });
  });
});`;

/** Chunks are gathered into batches of this size per stream, copied once and transferred. */
const BATCH = 1 << 20;
/** Batches posted and not yet hashed before update() asks the caller to wait. */
const MAX_PENDING = 32;

/**
 * Hashes on a small worker thread: sha256 of a layer costs ~0.7 ms per MiB (SHA-NI), which on
 * the applying thread would add up to the apply itself; here it runs beside it, on the other core.
 */
class WorkerHasher implements InputHasher {
  private readonly worker = new Worker(CODE, { eval: true });
  private readonly batch: [Uint8Array<ArrayBuffer> | undefined, Uint8Array<ArrayBuffer> | undefined] = [undefined, undefined];
  private readonly used = [0, 0];
  private pending = 0;
  /** Batch buffers the worker handed back. */
  private readonly free: ArrayBuffer[] = [];
  /** update() calls waiting for room (the raw and the plain stream are fed concurrently). */
  private waiters: Array<() => void> = [];
  private readonly done: Promise<[string, string]>;

  constructor() {
    this.done = new Promise((resolve, reject) => {
      this.worker.on('message', (m: { type: 'ack'; buffers: ArrayBuffer[] } | { type: 'digests'; hex: [string, string] }) => {
        if (m.type === 'ack') {
          this.pending -= m.buffers.length;
          for (const b of m.buffers) if (b.byteLength === BATCH) this.free.push(b);
          if (this.pending < MAX_PENDING) this.release();
        } else resolve(m.hex);
      });
      // A dead worker never frees room: let the feeders go on; digests() reports the failure.
      this.worker.on('error', (e) => {
        this.release();
        reject(e);
      });
      this.worker.on('exit', (code) => {
        this.release();
        reject(new Error(`input hash worker exited with code ${code}`));
      });
    });
    this.done.catch(() => undefined);
  }

  update(stream: HashedStream, chunk: Uint8Array): Promise<void> | undefined {
    let waited: Promise<void> | undefined;
    for (let off = 0; off < chunk.byteLength; ) {
      const b = (this.batch[stream] ??= new Uint8Array(this.free.pop() ?? new ArrayBuffer(BATCH)));
      const n = Math.min(BATCH - this.used[stream]!, chunk.byteLength - off);
      b.set(n === chunk.byteLength ? chunk : chunk.subarray(off, off + n), this.used[stream]);
      this.used[stream]! += n;
      off += n;
      if (this.used[stream] === BATCH) waited = this.post(stream) ?? waited;
    }
    return waited;
  }

  private post(stream: HashedStream): Promise<void> | undefined {
    const b = this.batch[stream];
    const n = this.used[stream]!;
    if (b === undefined || n === 0) return undefined;
    this.worker.postMessage({ type: 'data', stream, data: n === b.length ? b : b.subarray(0, n) }, [b.buffer]);
    this.batch[stream] = undefined;
    this.used[stream] = 0;
    if (++this.pending < MAX_PENDING) return undefined;
    return new Promise<void>((res) => this.waiters.push(res));
  }

  private release(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  async digests(): Promise<[string, string]> {
    this.post(RAW);
    this.post(PLAIN);
    this.worker.postMessage({ type: 'end' });
    try {
      return await this.done;
    } finally {
      void this.worker.terminate();
    }
  }

  close(): void {
    this.release();
    void this.worker.terminate();
  }
}

/**
 * Up to this many bytes to hash, the calling thread hashes them (sha256 with SHA-NI: ~0.7 ms per
 * MiB). A worker thread costs ~80 ms of CPU to start (Node's bootstrap: hashing ~110 MiB costs as
 * much), competes on two cores with the pool and V8's compiler threads, and copying the chunks to
 * it cost the applying thread nearly what hashing them there does (upper.tar, 29 MiB: ~21 ms
 * either way). Measured through the CLI on two cores, the calling thread won in wall and CPU time
 * for 29 MiB and 116 MiB; only layers beyond this bound go to the worker.
 */
export const HASH_HERE_MAX = 256 << 20;

/** Whether inputHasher(expectedBytes) hashes on the calling thread. */
export function hashesHere(expectedBytes?: number): boolean {
  if (process.env.CS_ARCHIVE_APPLY_IN_PROCESS === '1') return true;
  return expectedBytes !== undefined && expectedBytes <= HASH_HERE_MAX;
}

/**
 * The hasher for an input expected to need `expectedBytes` of hashing (both streams together),
 * when that is known: the calling thread's for small inputs, else a worker thread's.
 */
export function inputHasher(expectedBytes?: number): InputHasher {
  if (hashesHere(expectedBytes)) return new HereHasher();
  try {
    return new WorkerHasher();
  } catch {
    return new HereHasher(); // no thread to be had (resource limits): hash here, slower but correct
  }
}
