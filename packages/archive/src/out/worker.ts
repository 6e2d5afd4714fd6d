/**
 * Tree exports run in a worker thread with synchronous syscalls (produce-sync.ts): in-process
 * async fs calls cost a thread-pool round trip each (~10 µs), several per member, which made
 * the producer several times slower than Go. The worker hands finished 1 MiB chunks over by
 * transfer (no copy), with a shared credit counter for back-pressure. One idle worker is kept
 * (unref'd) for the next export. Only available from the built bundle (a worker cannot load the
 * TypeScript sources); callers fall back to the in-process producer otherwise.
 */
import { Readable } from 'node:stream';
import { parentPort, Worker } from 'node:worker_threads';
import type { CompareOptions, RawChange } from './changes-compare.js';
import { changesBetweenSync } from './changes-tree-sync.js';
import { ProduceError } from './errors.js';
import type { IDMapRange } from './id-maps.js';
import { OverlayLowers } from './overlay-lowers.js';
import { OUT_CHUNK, OutChunks, type Member, type ProduceContext } from './produce-core.js';
import { produceTarSync, walkTreeSync } from './produce-sync.js';
import { loadHostNamesSync, NO_NAMES } from './user-names.js';
import { TAR_XATTRS_143, TAR_XATTRS_HEAD } from './xattrs.js';

export interface WorkerJob {
  root: string;
  style: 'head' | '1.43';
  uidMaps?: IDMapRange[];
  gidMaps?: IDMapRange[];
  /** the members to write; absent = walk the whole tree */
  members?: Member[];
  /** overlay native diff of an upper dir: lower diff dirs (nearest first) and the opaque xattr */
  overlay?: { lowers: string[]; opaqueXattr: string };
}

type ToMain =
  | { type: 'data'; abs: ArrayBuffer[]; lens: number[] }
  | { type: 'skip'; rel: string; message: string }
  | { type: 'end' }
  | { type: 'changes'; raw: RawChange[] }
  | { type: 'error'; message: string; code?: string; fatal?: boolean };

/** Batches in flight (posted, not yet asked for by the consumer) before the worker waits. */
const MAX_IN_FLIGHT = 4;
/**
 * The worker writes 64 KiB chunks, 128 per message: small buffers come from (and go back to)
 * malloc's heap instead of fresh page-faulting mmaps, and batching keeps messages few.
 */
const WORKER_CHUNK = 64 * 1024;
const BATCH = 128;

// Valid both as a CommonJS and as an ES module script (the worker inherits flags such as
// --input-type=module), hence dynamic imports only.
const BOOT = `import('node:worker_threads').then(({ parentPort, workerData }) =>
  import(workerData.moduleUrl).then((m) => m._exportWorkerMain(), (err) => {
    parentPort.postMessage({ type: 'error', fatal: true, message: 'export worker failed to start: ' + (err && err.message) });
    process.exit(1);
  }));`;

// ---------------------------------------------------------------- worker side

function runJob(job: WorkerJob, credit: Int32Array): void {
  const port = parentPort!;
  const post = (m: ToMain, transfer?: ArrayBuffer[]) => port.postMessage(m, transfer);
  const ctx: ProduceContext = {
    root: job.root,
    style: job.style,
    names: job.style === '1.43' ? loadHostNamesSync() : NO_NAMES,
    xattrFilter: job.style === '1.43' ? TAR_XATTRS_143 : TAR_XATTRS_HEAD,
    uidMaps: job.uidMaps,
    gidMaps: job.gidMaps,
    onSkip: (rel, reason) => post({ type: 'skip', rel, message: reason instanceof Error ? reason.message : String(reason) }),
  };
  let opaqueMarker: ((rel: string) => boolean) | undefined;
  if (job.overlay !== undefined) {
    const lowers = new OverlayLowers(job.overlay.lowers);
    ctx.overlay = { opaqueXattr: job.overlay.opaqueXattr };
    opaqueMarker = (rel) => !lowers.empty && lowers.hidesLowerDirSync(rel);
  }
  try {
    const members: Member[] = job.members ?? walkTreeSync(job.root).map((rel) => ({ kind: 'path', rel }));
    let abs: ArrayBuffer[] = [];
    let lens: number[] = [];
    const send = () => {
      if (abs.length === 0) return;
      let v: number;
      while ((v = Atomics.load(credit, 0)) >= MAX_IN_FLIGHT) Atomics.wait(credit, 0, v);
      Atomics.add(credit, 0, 1);
      post({ type: 'data', abs, lens }, abs);
      abs = [];
      lens = [];
    };
    produceTarSync(members, ctx, new OutChunks(Buffer.allocUnsafeSlow, WORKER_CHUNK), (chunk) => {
      // only whole, unshared backing stores are transferred; anything else is copied first
      let own = chunk;
      if (chunk.byteOffset !== 0 || chunk.buffer.byteLength !== WORKER_CHUNK) {
        own = Buffer.allocUnsafeSlow(chunk.length);
        chunk.copy(own);
      }
      abs.push(own.buffer as ArrayBuffer);
      lens.push(own.length);
      if (abs.length >= BATCH) send();
    }, opaqueMarker);
    send();
    post({ type: 'end' });
  } catch (err) {
    post({ type: 'error', message: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code });
  }
}

interface ChangesJob {
  newRoot: string;
  oldRoot: string;
  opts: CompareOptions;
}

function runChanges(job: ChangesJob): void {
  try {
    parentPort!.postMessage({ type: 'changes', raw: changesBetweenSync(job.newRoot, job.oldRoot, job.opts) } satisfies ToMain);
  } catch (err) {
    parentPort!.postMessage({
      type: 'error', message: err instanceof Error ? err.message : String(err), code: (err as { code?: string }).code,
    } satisfies ToMain);
  }
}

/** Entry point of the worker thread (internal; exported so the bootstrap can reach it). */
export function _exportWorkerMain(): void {
  parentPort!.on('message', (msg: { job: WorkerJob; credit: SharedArrayBuffer } | { changes: ChangesJob }) => {
    if ('changes' in msg) runChanges(msg.changes);
    else runJob(msg.job, new Int32Array(msg.credit));
  });
}

// ---------------------------------------------------------------- main side

// Never removeAllListeners() on a Worker: it also drops Node's own listeners that start its port.
let idle: { worker: Worker; onError: () => void; onExit: () => void } | undefined;

function acquire(moduleUrl: string): Worker {
  if (idle !== undefined) {
    const { worker, onError, onExit } = idle;
    idle = undefined;
    worker.off('error', onError);
    worker.off('exit', onExit);
    worker.ref();
    return worker;
  }
  return new Worker(BOOT, { eval: true, workerData: { moduleUrl } });
}

function keepIdle(worker: Worker): void {
  if (idle !== undefined) {
    void worker.terminate();
    return;
  }
  const entry = {
    worker,
    onError: () => undefined,
    onExit: () => {
      if (idle === entry) idle = undefined;
    },
  };
  worker.on('error', entry.onError);
  worker.once('exit', entry.onExit);
  worker.unref();
  idle = entry;
}

/**
 * Whether this module runs from @cs/archive's own built bundle, which the worker can import
 * safely. From sources (tests) or from another package's bundle that inlined this code (whose
 * top level may do anything when imported) the in-process producer is used instead.
 */
export function workerAvailable(): boolean {
  return /\/archive\/dist\/index\.js$/.test(new URL(import.meta.url).pathname);
}

function workerError(m: { message: string; code?: string }): Error {
  return m.code?.startsWith('ERR_PRODUCE_') === true
    ? new ProduceError(m.code as 'ERR_PRODUCE_NOT_A_DIRECTORY', m.message)
    : Object.assign(new Error(m.message), { code: m.code });
}

/** Tree-comparison changes computed in the worker with synchronous calls. */
export function changesInWorker(newRoot: string, oldRoot: string, opts: CompareOptions): Promise<RawChange[]> {
  const worker = acquire(import.meta.url);
  return new Promise<RawChange[]>((resolve, reject) => {
    const detach = () => {
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
    };
    const onMessage = (m: ToMain) => {
      if (m.type !== 'changes' && m.type !== 'error') return;
      detach();
      if (m.type === 'error' && m.fatal === true) void worker.terminate();
      else keepIdle(worker);
      if (m.type === 'changes') resolve(m.raw);
      else reject(workerError(m));
    };
    const onError = (err: Error) => {
      detach();
      reject(err);
    };
    const onExit = (code: number) => {
      detach();
      reject(new Error(`export worker exited (${code})`));
    };
    worker.on('message', onMessage);
    worker.on('error', onError);
    worker.on('exit', onExit);
    const plainMaps = (m?: readonly { containerID: number; hostID: number; size: number }[]) => (m ? [...m] : undefined);
    worker.postMessage({
      changes: {
        newRoot, oldRoot,
        opts: {
          uidMaps: plainMaps(opts.uidMaps), gidMaps: plainMaps(opts.gidMaps),
          parentUidMaps: plainMaps(opts.parentUidMaps), parentGidMaps: plainMaps(opts.parentGidMaps), compare: opts.compare,
        },
      },
    });
  });
}

export function exportInWorker(job: WorkerJob, onSkip?: (path: string, reason: unknown) => void): Readable {
  const credit = new Int32Array(new SharedArrayBuffer(4));
  const worker = acquire(import.meta.url);
  let owed = 0;
  let finished = false;
  const giveCredit = () => {
    Atomics.sub(credit, 0, 1);
    Atomics.notify(credit, 0);
  };
  const detach = () => {
    worker.off('message', onMessage);
    worker.off('error', onError);
    worker.off('exit', onExit);
  };
  const stream = new Readable({
    highWaterMark: OUT_CHUNK,
    read() {
      if (owed > 0 && !finished) worker.ref();
      while (owed > 0) {
        owed--;
        giveCredit();
      }
    },
    destroy(err, cb) {
      if (finished) return cb(err);
      finished = true;
      // the worker may be blocked in the middle of a member: stop it rather than reuse it
      detach();
      worker.terminate().then(() => cb(err), () => cb(err));
    },
  });
  const onMessage = (m: ToMain) => {
    switch (m.type) {
      case 'data': {
        let more = true;
        m.abs.forEach((ab, i) => {
          more = stream.push(Buffer.from(ab, 0, m.lens[i])) && more;
        });
        if (more) {
          giveCredit();
        } else {
          // waiting on the consumer: a stream nobody reads must not keep the process alive
          owed++;
          worker.unref();
        }
        break;
      }
      case 'skip':
        onSkip?.(m.rel, new Error(m.message));
        break;
      case 'end':
        finished = true;
        detach();
        keepIdle(worker);
        stream.push(null);
        break;
      case 'error': {
        finished = true;
        detach();
        if (m.fatal === true) void worker.terminate();
        else keepIdle(worker);
        stream.destroy(workerError(m));
        break;
      }
    }
  };
  const onError = (err: Error) => {
    finished = true;
    detach();
    stream.destroy(err);
  };
  const onExit = (code: number) => {
    if (finished) return;
    finished = true;
    detach();
    stream.destroy(new Error(`export worker exited (${code})`));
  };
  worker.on('message', onMessage);
  worker.on('error', onError);
  worker.on('exit', onExit);
  worker.postMessage({ job, credit: credit.buffer });
  return stream;
}
