import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ArchiveError } from '../common/errors.js';
import { type SerializedError, builtModuleURL, deserialize, serialize } from './worker-util.js';
import type { ApplyOptions, ApplyResult } from './apply-options.js';
import { applyHere, checkApplyOptions } from './apply.js';
import { type DecodedInput, decodeInput } from './decode.js';

/**
 * applyTar runs the pipeline on a worker thread: the per-entry file system calls are
 * synchronous there (a few microseconds each, tens of thousands per layer), which keeps the
 * caller's event loop free and avoids one thread-pool round trip per syscall. The caller's
 * thread reads the input, digests it, decompresses it (zlib on libuv's pool, or a child
 * process) and forwards the plain tar, with a bounded number of batches in flight: reading,
 * hashing, inflating and applying then overlap on three threads.
 */
const MARK = 'csArchiveApplyWorker';
/**
 * Input goes over in batches of this size: each message (and its ack) costs tens of microseconds on
 * both threads, which with 64 KiB read chunks was a visible share of an apply.
 */
const BATCH = 1 << 20;
/** Batches posted and not yet taken by the worker before reading waits. */
const MAX_IN_FLIGHT = 4;
/**
 * The worker acknowledges taken batches in bulk, once it has at most this many left: each
 * message wakes the caller's thread, which on a busy machine also takes the CPU from the worker.
 */
const ACK_LOW_WATER = 1;

type ToWorker = { type: 'chunk'; data: Uint8Array } | { type: 'end' } | { type: 'fail'; error: SerializedError } | { type: 'abort' };
type FromWorker = { type: 'ack'; taken: number } | { type: 'done'; result: ApplyResult } | { type: 'error'; error: SerializedError; echo: boolean };

/** Worker side: turns messages into an input stream and runs applyHere on the plain tar. */
function runWorker(): void {
  const port = parentPort!;
  const { targetDir, opts } = workerData as { targetDir: string; opts: ApplyOptions };
  const queue: ToWorker[] = [];
  let wake: (() => void) | undefined;
  const abort = new AbortController();
  /** The caller's input failure, raised here where the stream reached it. */
  let failure: Error | undefined;
  let taken = 0;
  port.on('message', (m: ToWorker) => {
    if (m.type === 'abort') abort.abort(new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted'));
    queue.push(m);
    wake?.();
  });
  async function* input(): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((res) => (wake = res));
      wake = undefined;
      const m = queue.shift()!;
      if (m.type === 'end') return;
      if (m.type === 'fail') throw (failure = deserialize(m.error));
      if (m.type === 'abort') throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted');
      taken++;
      if (queue.length <= ACK_LOW_WATER) {
        port.postMessage({ type: 'ack', taken } satisfies FromWorker);
        taken = 0;
      }
      yield m.data;
    }
  }
  applyHere(targetDir, input(), { ...opts, signal: abort.signal }, true).then(
    (result) => port.postMessage({ type: 'done', result } satisfies FromWorker),
    (e: unknown) => port.postMessage({ type: 'error', error: serialize(e), echo: e === failure } satisfies FromWorker),
  );
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) runWorker();

/**
 * Applies a (possibly compressed) layer tarball to `targetDir`, digesting the input in the
 * same pass and optionally recording its tar-split. Nothing outside `targetDir` is touched;
 * on failure, what was written stays inside `targetDir` for the caller to remove.
 */
export async function applyTar(targetDir: string, input: AsyncIterable<Uint8Array>, opts: ApplyOptions): Promise<ApplyResult> {
  checkApplyOptions(opts);
  const url = builtModuleURL(import.meta.url);
  if (url === undefined) return applyHere(targetDir, input, opts);
  const { signal, ...plain } = opts;
  if (signal?.aborted) throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted', { cause: signal.reason });
  // Started first, so that its start-up overlaps with the first reads.
  // Fds come from @cs/sys's openat2 too: Node's per-worker fd tracking would warn on every close.
  const worker = new Worker(url, { workerData: { [MARK]: true, targetDir, opts: plain }, trackUnmanagedFds: false });
  let inFlight = 0;
  let settled = false;
  /** The worker failed with the caller's own input error (which is then thrown as it was). */
  let echoed = false;
  let onAck: (() => void) | undefined;
  const outcome = new Promise<ApplyResult>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ack') {
        inFlight -= m.taken;
        onAck?.();
        return;
      }
      settled = true;
      onAck?.();
      if (m.type === 'done') resolve(m.result);
      else {
        echoed = m.echo;
        reject(deserialize(m.error));
      }
    });
    worker.on('error', (e) => {
      settled = true;
      onAck?.();
      reject(e);
    });
    worker.on('exit', (code) => {
      if (!settled) {
        settled = true;
        onAck?.();
        reject(new Error(`apply worker exited with code ${code}`));
      }
    });
  });
  outcome.catch(() => undefined);
  const onAbort = (): void => worker.postMessage({ type: 'abort' } satisfies ToWorker);
  signal?.addEventListener('abort', onAbort, { once: true });
  // Chunks are copied into a fresh batch buffer that is transferred: the caller keeps its chunks,
  // and the worker skips structured-clone deserialization (measured: the larger cost of the two).
  let batch: Uint8Array<ArrayBuffer> | undefined;
  let used = 0;
  const post = async (): Promise<void> => {
    if (batch === undefined || used === 0) return;
    const data = used === batch.length ? batch : batch.subarray(0, used);
    worker.postMessage({ type: 'chunk', data } satisfies ToWorker, [batch.buffer]);
    batch = undefined;
    used = 0;
    inFlight++;
    while (inFlight >= MAX_IN_FLIGHT && !settled) await new Promise<void>((res) => (onAck = res));
  };
  let decoded: DecodedInput | undefined;
  try {
    try {
      decoded = await decodeInput(input);
      for await (const chunk of decoded.plain) {
        if (settled) break; // the worker failed early: stop reading
        for (let off = 0; off < chunk.byteLength && !settled; ) {
          batch ??= new Uint8Array(BATCH);
          const n = Math.min(BATCH - used, chunk.byteLength - off);
          batch.set(n === chunk.byteLength ? chunk : chunk.subarray(off, off + n), used);
          used += n;
          off += n;
          if (used === BATCH) await post();
        }
      }
      if (!settled) await post();
      if (!settled) worker.postMessage({ type: 'end' } satisfies ToWorker);
    } catch (e) {
      // The worker raises it where the stream reached it: a tar error earlier in the stream wins, as in Go.
      if (!settled) worker.postMessage({ type: 'fail', error: serialize(e) } satisfies ToWorker);
      const err = await outcome.then(
        () => undefined,
        (x: unknown) => x,
      );
      throw err === undefined || echoed ? e : err;
    }
    const result = await outcome;
    Object.assign(result, decoded.digests());
    // structured clone turned the Buffer into a plain Uint8Array
    if (result.tarSplit !== undefined) result.tarSplit = Buffer.from(result.tarSplit.buffer, result.tarSplit.byteOffset, result.tarSplit.byteLength);
    return result;
  } finally {
    decoded?.destroy();
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
