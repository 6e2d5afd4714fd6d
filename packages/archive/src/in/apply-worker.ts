import { createHash } from 'node:crypto';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ArchiveError, type ArchiveErrorCode } from '../common/errors.js';
import type { ApplyOptions, ApplyResult } from './apply-options.js';
import { applyHere, checkApplyOptions } from './apply.js';

/**
 * applyTar runs the pipeline on a worker thread: the per-entry file system calls are
 * synchronous there (a few microseconds each, tens of thousands per layer), which keeps the
 * caller's event loop free and avoids one thread-pool round trip per syscall. The caller's
 * thread only forwards input chunks, with a bounded number in flight (backpressure).
 */
const MARK = 'csArchiveApplyWorker';
const MAX_IN_FLIGHT = 8;

type ToWorker = { type: 'chunk'; data: Uint8Array } | { type: 'end' } | { type: 'fail'; message: string } | { type: 'abort' };
type FromWorker = { type: 'ack' } | { type: 'done'; result: ApplyResult } | { type: 'error'; error: SerializedError };

interface SerializedError {
  name: string;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  entry?: string;
}

function serialize(e: unknown): SerializedError {
  const err = e as Partial<NodeJS.ErrnoException & ArchiveError>;
  const out: SerializedError = { name: err?.name ?? 'Error', message: err?.message ?? String(e) };
  if (typeof err?.code === 'string') out.code = err.code;
  if (typeof err?.errno === 'number') out.errno = err.errno;
  if (typeof err?.syscall === 'string') out.syscall = err.syscall;
  if (typeof err?.path === 'string') out.path = err.path;
  if (typeof err?.entry === 'string') out.entry = err.entry;
  return out;
}

function deserialize(s: SerializedError): Error {
  if (s.name === 'ArchiveError' && s.code !== undefined) {
    return new ArchiveError(s.code as ArchiveErrorCode, s.message, s.entry === undefined ? undefined : { entry: s.entry });
  }
  const e = new Error(s.message) as NodeJS.ErrnoException;
  if (s.code !== undefined) e.code = s.code;
  if (s.errno !== undefined) e.errno = s.errno;
  if (s.syscall !== undefined) e.syscall = s.syscall;
  if (s.path !== undefined) e.path = s.path;
  return e;
}

/** Worker side: turns messages into an input stream and runs applyHere. */
function runWorker(): void {
  const port = parentPort!;
  const { targetDir, opts } = workerData as { targetDir: string; opts: ApplyOptions };
  const queue: ToWorker[] = [];
  let wake: (() => void) | undefined;
  const abort = new AbortController();
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
      if (m.type === 'fail') throw new Error(m.message);
      if (m.type === 'abort') throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted');
      port.postMessage({ type: 'ack' } satisfies FromWorker);
      yield m.data;
    }
  }
  applyHere(targetDir, input(), { ...opts, signal: abort.signal }, true).then(
    (result) => port.postMessage({ type: 'done', result } satisfies FromWorker),
    (e: unknown) => port.postMessage({ type: 'error', error: serialize(e) } satisfies FromWorker),
  );
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) runWorker();

/** Whether this module runs from built JavaScript that a worker can load (not from .ts sources under a test runner). */
function workerURL(): URL | undefined {
  if (process.env.CS_ARCHIVE_APPLY_IN_PROCESS === '1') return undefined;
  const url = new URL(import.meta.url);
  return url.pathname.endsWith('.js') || url.pathname.endsWith('.mjs') ? url : undefined;
}

/**
 * Applies a (possibly compressed) layer tarball to `targetDir`, digesting the input in the
 * same pass and optionally recording its tar-split. Nothing outside `targetDir` is touched;
 * on failure, what was written stays inside `targetDir` for the caller to remove.
 */
export async function applyTar(targetDir: string, input: AsyncIterable<Uint8Array>, opts: ApplyOptions): Promise<ApplyResult> {
  checkApplyOptions(opts);
  const url = workerURL();
  if (url === undefined) return applyHere(targetDir, input, opts);
  const { signal, ...plain } = opts;
  if (signal?.aborted) throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted', { cause: signal.reason });
  // Fds come from @cs/sys's openat2 too: Node's per-worker fd tracking would warn on every close.
  const worker = new Worker(url, { workerData: { [MARK]: true, targetDir, opts: plain }, trackUnmanagedFds: false });
  const rawHash = createHash('sha256'); // the raw digest is computed here, beside the worker
  let inFlight = 0;
  let settled = false;
  let onAck: (() => void) | undefined;
  const outcome = new Promise<ApplyResult>((resolve, reject) => {
    worker.on('message', (m: FromWorker) => {
      if (m.type === 'ack') {
        inFlight--;
        onAck?.();
        return;
      }
      settled = true;
      onAck?.();
      if (m.type === 'done') resolve(m.result);
      else reject(deserialize(m.error));
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
  try {
    try {
      for await (const chunk of input) {
        if (settled) break; // the worker failed early: stop reading
        // Copy into a fresh buffer and transfer it: the caller keeps its chunk, and the worker
        // skips structured-clone deserialization (measured: the larger cost of the two).
        const copy = new Uint8Array(chunk.byteLength);
        copy.set(chunk);
        worker.postMessage({ type: 'chunk', data: copy } satisfies ToWorker, [copy.buffer]);
        rawHash.update(chunk);
        inFlight++;
        while (inFlight >= MAX_IN_FLIGHT && !settled) await new Promise<void>((res) => (onAck = res));
      }
      if (!settled) worker.postMessage({ type: 'end' } satisfies ToWorker);
    } catch (e) {
      if (!settled) worker.postMessage({ type: 'fail', message: (e as Error).message } satisfies ToWorker);
      await outcome.catch(() => undefined);
      throw e;
    }
    const result = await outcome;
    const digest = `sha256:${rawHash.digest('hex')}`;
    result.compressedDigest = digest;
    // structured clone turned the Buffer into a plain Uint8Array
    if (result.tarSplit !== undefined) result.tarSplit = Buffer.from(result.tarSplit.buffer, result.tarSplit.byteOffset, result.tarSplit.byteLength);
    if (result.compression === 'none') result.uncompressedDigest = digest;
    return result;
  } finally {
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  }
}
