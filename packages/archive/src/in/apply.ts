import { setImmediate as nextTurn } from 'node:timers/promises';
import { ArchiveError } from '../common/errors.js';
import type { ApplyOptions, ApplyResult } from './apply-options.js';
import { Applier } from './applier.js';
import { ByteSource } from './byte-source.js';
import { type DecodedInput, decodeInput } from './decode.js';
import { diskUsage } from './disk-usage.js';
import { inputSizeOf } from './input-size.js';
import { Root } from './root.js';
import { TarReader } from './tar-reader.js';
import { TarSplitWriter } from './tar-split-writer.js';

export function checkApplyOptions(opts: ApplyOptions): void {
  if (opts.forceMask !== undefined) {
    throw new ArchiveError('ERR_ARCHIVE_UNSUPPORTED_OPTION', 'force_mask is not supported by applyTar yet');
  }
  if (opts.whiteouts !== 'delete' && opts.whiteouts !== 'overlay') {
    throw new ArchiveError('ERR_ARCHIVE_UNSUPPORTED_OPTION', `unknown whiteout format ${String(opts.whiteouts)}`);
  }
}

/**
 * The caller's event loop gets a turn at least this often (ms): entries are applied with
 * synchronous system calls, and a fast input (memory, a decompressor that ran ahead) would
 * otherwise never make the loop wait.
 */
const SLICE_MS = 8;

/**
 * Applies a (possibly compressed) layer tarball to `targetDir`, digesting the input in the
 * same pass and optionally recording its tar-split. Nothing outside `targetDir` is touched;
 * on failure, what was written stays inside `targetDir` for the caller to remove.
 *
 * The calling thread parses the tar and makes the per-entry system calls synchronously through
 * @cs/sys (a few microseconds each, one call per regular file), in time slices; decompression runs
 * on libuv's pool (gzip) or in a child process, the sha256 digests on a small worker thread, and
 * tar-split's gzip on the pool: on two cores these overlap with the apply.
 */
export async function applyTar(targetDir: string, input: AsyncIterable<Uint8Array>, opts: ApplyOptions): Promise<ApplyResult> {
  checkApplyOptions(opts);
  if (opts.signal?.aborted) throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted', { cause: opts.signal.reason });
  const root = Root.openSync(targetDir);
  let decoded: DecodedInput | undefined;
  const split = opts.recordTarSplit ? new TarSplitWriter() : undefined;
  try {
    decoded = await decodeInput(input, inputSizeOf(input));
    const reader = new TarReader(new ByteSource(decoded.plain), split);
    const applier = new Applier(root, opts, reader, split);
    let slice = performance.now();
    for (;;) {
      const entry = await reader.next();
      if (entry === null) break;
      await applier.entry(entry);
      if (performance.now() - slice >= SLICE_MS) {
        await nextTurn();
        slice = performance.now();
      }
    }
    split?.endOfArchive();
    await reader.drainTrailing(); // trailing bytes belong to the digests and the tar-split
    applier.finish();
    const tarSplit = split === undefined ? undefined : await split.finish();
    const size = opts.whiteouts === 'overlay' ? (applier.dirty ? diskUsage(targetDir) : applier.createdBytes) : applier.size;
    const result: ApplyResult = {
      size,
      ...(await decoded.digests()),
      uidset: [...applier.uids].sort((a, b) => a - b),
      gidset: [...applier.gids].sort((a, b) => a - b),
    };
    if (tarSplit !== undefined) result.tarSplit = tarSplit;
    return result;
  } catch (err) {
    split?.abort();
    decoded?.destroy();
    throw err;
  } finally {
    root.close();
  }
}
