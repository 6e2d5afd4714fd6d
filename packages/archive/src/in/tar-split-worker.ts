import { Readable } from 'node:stream';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { Assembler, replayTarSplit } from '../out/tar-split-replay.js';
import { Root } from './root.js';
import { recordBatches } from './tar-split-reader.js';
import { type SerializedError, builtModuleURL, deserialize, serialize } from './worker-util.js';

/**
 * The tar-split replay of out/tar-split-replay.ts on a worker thread, when loaded from dist/: the
 * same assembler reads the layer's files with synchronous calls into ~1 MiB batches, handed back at
 * most CREDIT ahead of the consumer. For library users who want the calling thread left free.
 */
const MARK = 'csArchiveReplayWorker';
const CREDIT = 4;

type FromWorker = { type: 'data'; data: Uint8Array; length: number } | { type: 'end' } | { type: 'error'; error: SerializedError };

async function runReplayWorker(): Promise<void> {
  const port = parentPort!;
  const { tarSplit, fileDirs } = workerData as { tarSplit: Uint8Array; fileDirs: string[] };
  let credit = CREDIT;
  let wake: (() => void) | undefined;
  port.on('message', () => {
    credit++;
    wake?.();
  });
  // The calling-thread replay's assembler fills each batch; batches own their memory and are transferred.
  const send = async (batch: Buffer): Promise<void> => {
    while (credit === 0) await new Promise<void>((res) => (wake = res));
    credit--;
    port.postMessage({ type: 'data', data: new Uint8Array(batch.buffer), length: batch.length } satisfies FromWorker, [batch.buffer as ArrayBuffer]);
  };
  const roots: Root[] = [];
  let asm: Assembler | undefined;
  try {
    for (const d of fileDirs) roots.push(Root.openSync(d));
    asm = new Assembler(roots);
    for await (const recs of recordBatches(tarSplit)) {
      asm.feed(recs);
      while (asm.fill()) await send(asm.take());
    }
    if (asm.used > 0) await send(asm.take());
    port.postMessage({ type: 'end' } satisfies FromWorker);
  } catch (e) {
    if (asm !== undefined && asm.used > 0) await send(asm.take()); // the bytes before the failure go first, as upstream
    port.postMessage({ type: 'error', error: serialize(e) } satisfies FromWorker);
  } finally {
    asm?.close();
    for (const r of roots) r.close();
  }
}

if (!isMainThread && (workerData as Record<string, unknown> | null)?.[MARK] === true) void runReplayWorker();

async function* viaWorker(url: URL, tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array, fileDirs: string[]): AsyncGenerator<Buffer> {
  let gz: Uint8Array;
  if (tarSplitGz instanceof Uint8Array) gz = tarSplitGz;
  else {
    const parts: Uint8Array[] = [];
    for await (const c of tarSplitGz) parts.push(c);
    gz = Buffer.concat(parts);
  }
  const worker = new Worker(url, { workerData: { [MARK]: true, tarSplit: gz, fileDirs }, trackUnmanagedFds: false });
  const queue: Array<FromWorker | { type: 'crash'; error: Error } | { type: 'exit'; code: number }> = [];
  let wake: (() => void) | undefined;
  const arrive = (m: (typeof queue)[number]): void => {
    queue.push(m);
    wake?.();
  };
  worker.on('message', (m: FromWorker) => arrive(m));
  worker.on('error', (error) => arrive({ type: 'crash', error }));
  worker.on('exit', (code) => arrive({ type: 'exit', code }));
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((res) => (wake = res));
      wake = undefined;
      const m = queue.shift()!;
      if (m.type === 'data') {
        yield Buffer.from(m.data.buffer, 0, m.length);
        worker.postMessage('ack');
      } else if (m.type === 'end') return;
      else if (m.type === 'error') throw deserialize(m.error);
      else if (m.type === 'crash') throw m.error;
      else throw new Error(`tar-split replay worker exited with code ${m.code}`);
    }
  } finally {
    await worker.terminate();
  }
}

/**
 * Rebuilds the original uncompressed tar from a tar-split stream and the layer's files, looked
 * up inside each of `fileDirs` (first hit wins) with in-root resolution, never on the host.
 */
export function assembleFromTarSplit(tarSplitGz: AsyncIterable<Uint8Array> | Uint8Array, fileDirs: string[]): Readable {
  const url = builtModuleURL(import.meta.url);
  if (url === undefined) return replayTarSplit(tarSplitGz, fileDirs); // running from src/ (tests): no worker module
  return Readable.from(viaWorker(url, tarSplitGz, fileDirs), { objectMode: false });
}
