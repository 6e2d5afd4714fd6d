import { ArchiveError } from '../common/errors.js';
import type { ApplyOptions, ApplyResult } from './apply-options.js';
import { Applier } from './applier.js';
import { ByteSource } from './byte-source.js';
import { type DecodedInput, type InputDigests, decodeInput } from './decode.js';
import { diskUsage } from './disk-usage.js';
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

/** Digests left for the caller to fill in (it decoded and hashed the input itself). */
const BY_CALLER: InputDigests = { compression: 'none', compressedDigest: '', compressedSize: 0, uncompressedDigest: '', uncompressedSize: 0 };

/**
 * The apply pipeline in the calling thread: tar parsing, tar-split and the (synchronous,
 * per-entry) file system calls, plus detection, decompression and digests unless `plainTar`
 * says the caller did those (applyTar's worker: its caller decodes and hashes beside it).
 */
export async function applyHere(targetDir: string, input: AsyncIterable<Uint8Array>, opts: ApplyOptions, plainTar = false): Promise<ApplyResult> {
  checkApplyOptions(opts);
  const root = Root.openSync(targetDir);
  let decoded: DecodedInput | undefined;
  const split = opts.recordTarSplit ? new TarSplitWriter() : undefined;
  try {
    decoded = plainTar ? undefined : await decodeInput(input);
    const reader = new TarReader(new ByteSource(decoded?.plain ?? input), split);
    const applier = new Applier(root, opts, reader, split);
    for (;;) {
      const entry = await reader.next();
      if (entry === null) break;
      await applier.entry(entry);
    }
    split?.endOfArchive();
    await reader.drainTrailing(); // trailing bytes belong to the digests and the tar-split
    applier.finish();
    const tarSplit = split === undefined ? undefined : await split.finish();
    const size = opts.whiteouts === 'overlay' ? (applier.dirty ? diskUsage(targetDir) : applier.createdBytes) : applier.size;
    const result: ApplyResult = {
      size,
      ...(decoded?.digests() ?? BY_CALLER),
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
