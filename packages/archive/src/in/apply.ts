import { createHash } from 'node:crypto';
import { ArchiveError } from '../common/errors.js';
import type { ApplyOptions, ApplyResult } from './apply-options.js';
import { Applier } from './applier.js';
import { ByteSource } from './byte-source.js';
import { decompressAs, peekHead } from './decompress.js';
import { diskUsage } from './disk-usage.js';
import { Root } from './root.js';
import { TarReader } from './tar-reader.js';
import { TarSplitWriter } from './tar-split-writer.js';

async function* counting(src: AsyncIterable<Uint8Array>, onChunk: (c: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    onChunk(c);
    yield c;
  }
}

export function checkApplyOptions(opts: ApplyOptions): void {
  if (opts.forceMask !== undefined) {
    throw new ArchiveError('ERR_ARCHIVE_UNSUPPORTED_OPTION', 'force_mask is not supported by applyTar yet');
  }
  if (opts.whiteouts !== 'delete' && opts.whiteouts !== 'overlay') {
    throw new ArchiveError('ERR_ARCHIVE_UNSUPPORTED_OPTION', `unknown whiteout format ${String(opts.whiteouts)}`);
  }
}

/**
 * The apply pipeline in the calling thread: digests, decompression, tar parsing, tar-split
 * and the (synchronous, per-entry) file system calls. applyTar runs it on a worker thread.
 */
export async function applyHere(
  targetDir: string,
  input: AsyncIterable<Uint8Array>,
  opts: ApplyOptions,
  /** The caller digests the raw input itself (in parallel, on its own thread): leave the raw digest empty. */
  rawDigestByCaller = false,
): Promise<ApplyResult> {
  checkApplyOptions(opts);
  const root = Root.openSync(targetDir);
  const rawHash = rawDigestByCaller ? undefined : createHash('sha256');
  let rawSize = 0;
  const { rest, compression } = await peekHead(
    counting(input, (c) => {
      rawHash?.update(c);
      rawSize += c.byteLength;
    }),
  );
  const plainHash = compression === 'none' ? undefined : createHash('sha256');
  let plainSize = 0;
  const stream = compression === 'none' ? undefined : decompressAs(compression, rest);
  const src = new ByteSource(stream ?? rest, (c) => {
    plainHash?.update(c);
    plainSize += c.length;
  });
  const split = opts.recordTarSplit ? new TarSplitWriter() : undefined;
  const reader = new TarReader(src, split);
  const applier = new Applier(root, opts, reader, split);
  try {
    for (;;) {
      const entry = await reader.next();
      if (entry === null) break;
      await applier.entry(entry);
    }
    split?.endOfArchive();
    await reader.drainTrailing(); // trailing bytes belong to the digests and the tar-split
    applier.finish();
    const tarSplit = split === undefined ? undefined : await split.finish();
    const compressedDigest = rawHash === undefined ? '' : `sha256:${rawHash.digest('hex')}`;
    const size = opts.whiteouts === 'overlay' ? (applier.dirty ? diskUsage(targetDir) : applier.createdBytes) : applier.size;
    const result: ApplyResult = {
      size,
      compression,
      compressedDigest,
      compressedSize: rawSize,
      uncompressedDigest: plainHash === undefined ? compressedDigest : `sha256:${plainHash.digest('hex')}`,
      uncompressedSize: plainHash === undefined ? rawSize : plainSize,
      uidset: [...applier.uids].sort((a, b) => a - b),
      gidset: [...applier.gids].sort((a, b) => a - b),
    };
    if (tarSplit !== undefined) result.tarSplit = tarSplit;
    return result;
  } catch (err) {
    split?.abort();
    stream?.destroy();
    throw err;
  } finally {
    root.close();
  }
}
