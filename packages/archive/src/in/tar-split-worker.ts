import { closeSync, readSync } from 'node:fs';
import { Readable } from 'node:stream';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import { ArchiveError } from '../common/errors.js';
import { Crc64 } from '../common/crc64.js';
import { goCleanKey } from '../common/paths.js';
import { Root } from './root.js';
import { assemble, checksumError, openMember, readTarSplit } from './tar-split-reader.js';
import { type SerializedError, builtModuleURL, deserialize, serialize } from './worker-util.js';

/**
 * Replay runs on a worker thread when loaded from dist/: there it reads the
 * layer's files with synchronous calls (tens of thousands of small files), and hands the
 * output back in ~1 MiB batches, at most CREDIT of them ahead of the consumer.
 */
const MARK = 'csArchiveReplayWorker';
const BATCH = 1 << 20;
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
  // Output is gathered straight into a transferable batch buffer: file data is read into it.
  let out = new Uint8Array(BATCH);
  let used = 0;
  const flush = async (): Promise<void> => {
    if (used === 0) return;
    while (credit === 0) await new Promise<void>((res) => (wake = res));
    credit--;
    port.postMessage({ type: 'data', data: out, length: used } satisfies FromWorker, [out.buffer]);
    out = new Uint8Array(BATCH);
    used = 0;
  };
  const push = async (b: Uint8Array): Promise<void> => {
    while (b.length > 0) {
      if (used === BATCH) await flush();
      const n = Math.min(BATCH - used, b.length);
      out.set(b.subarray(0, n), used);
      used += n;
      b = b.subarray(n);
    }
  };
  const roots: Root[] = [];
  try {
    for (const d of fileDirs) roots.push(Root.openSync(d));
    const seen = new Set<string>();
    for await (const rec of readTarSplit(tarSplit)) {
      if (rec.type === 2) {
        if (rec.payload !== null && rec.payload.length > 0) await push(rec.payload);
        continue;
      }
      const name = rec.name ?? Buffer.alloc(0);
      const key = goCleanKey(name);
      if (seen.has(key)) throw new ArchiveError('ERR_ARCHIVE_DUPLICATE_PATH', `duplicates of file paths not supported: ${name.toString('utf8')}`);
      seen.add(key);
      if (rec.size === 0) continue;
      const fd = openMember(roots, name);
      try {
        const crc = new Crc64();
        let left = rec.size;
        while (left > 0) {
          if (used === BATCH) await flush();
          const n = readSync(fd, out, used, Math.min(BATCH - used, left), null);
          if (n === 0) break;
          crc.update(out.subarray(used, used + n));
          used += n;
          left -= n;
        }
        if (left > 0 || rec.payload === null || !crc.digest().equals(rec.payload)) throw checksumError(name);
      } finally {
        closeSync(fd);
      }
      for (const r of roots) r.collect();
    }
    await flush();
    port.postMessage({ type: 'end' } satisfies FromWorker);
  } catch (e) {
    await flush(); // the bytes before the failure are emitted first, as upstream does
    port.postMessage({ type: 'error', error: serialize(e) } satisfies FromWorker);
  } finally {
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
  return Readable.from(url === undefined ? assemble(tarSplitGz, fileDirs) : viaWorker(url, tarSplitGz, fileDirs), { objectMode: false });
}
