import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import { crc64IsoUpdate, fideduperange, isSysError } from '@cs/sys';
import { DriverError } from './errors.js';
import { walkRegularFiles, type FoundFile } from './dedup-walk.js';

/** How candidate files are told apart before the kernel compares their bytes (upstream DedupHashMethod). */
export type DedupHashMethod = 'crc' | 'size' | 'sha256';
export const DEDUP_HASH_METHODS: readonly DedupHashMethod[] = ['crc', 'size', 'sha256'];

export interface DedupOptions {
  hashMethod: DedupHashMethod;
}

export interface DedupResult {
  /** Bytes of the files found sharing extents with an equal file, counting ranges shared by earlier runs too. */
  deduped: number;
}

const READ_CHUNK = 1 << 20;

/** The file's key within its size group: its bytes' CRC-64 or SHA-256, or nothing more than the size. */
async function fileKey(file: FoundFile, method: DedupHashMethod): Promise<string> {
  if (method === 'size') return '';
  const fh = await fs.open(file.path, 'r');
  try {
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    const sha = method === 'sha256' ? createHash('sha256') : null;
    const crc = new Uint32Array(2);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, READ_CHUNK, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      if (sha) sha.update(chunk);
      else crc64IsoUpdate(crc, chunk);
    }
    return sha ? sha.digest('hex') : `${crc[0]}:${crc[1]}`;
  } finally {
    await fh.close();
  }
}

function notSupported(dir: string, cause: unknown): DriverError {
  return new DriverError(
    'ERR_DRIVER_NOT_SUPPORTED',
    `the file system of ${dir} cannot share file extents (FIDEDUPERANGE: operation not supported); dedup needs XFS with reflink or btrfs`,
    { cause },
  );
}

/**
 * Shares `dst`'s extents with `src`'s (they have the same size). Returns the bytes the kernel
 * reports as shared, 0 when the bytes differ or the files cannot be opened or shared (upstream
 * tries the next candidate then). Throws only when the file system cannot share extents at all.
 */
async function dedupePair(src: FoundFile, dst: FoundFile): Promise<number> {
  let s: fs.FileHandle | undefined;
  let d: fs.FileHandle | undefined;
  try {
    s = await fs.open(src.path, 'r');
    // Read-only is enough for root or the owner (and avoids ETXTBSY on running programs).
    d = await fs.open(dst.path, 'r');
    let done = 0;
    // The kernel may share less than asked (btrfs works in chunks): go on from where it stopped.
    while (done < dst.size) {
      const [r] = await fideduperange(s.fd, done, dst.size - done, [{ fd: d.fd, offset: done }]);
      if (r!.status !== 'same' || r!.bytesDeduped === 0) break;
      done += r!.bytesDeduped;
    }
    return done;
  } catch (err) {
    if (isSysError(err, 'EOPNOTSUPP')) throw notSupported(dst.root, err);
    return 0;
  } finally {
    await s?.close();
    await d?.close();
  }
}

/**
 * Upstream dedup.DedupDirs: finds identical non-empty regular files across `dirs` and has the
 * kernel share their extents (FIDEDUPERANGE). Files are grouped by size, then by the hash
 * method; within a group, in walk order, each file is deduplicated against the first earlier
 * file that accepts it, or becomes a candidate source itself. A hard-linked inode is visited
 * once. Because already shared ranges are reported again, the total is the same on every run.
 * A file system without shared extents fails with DriverError 'ERR_DRIVER_NOT_SUPPORTED' as
 * soon as two candidates meet (upstream returns 0 silently there).
 */
export async function dedupDirs(dirs: readonly string[], opts: DedupOptions): Promise<DedupResult> {
  if (!DEDUP_HASH_METHODS.includes(opts.hashMethod)) {
    throw new DriverError('ERR_DRIVER_OPTION', `invalid hash method: ${String(opts.hashMethod)}`);
  }
  const bySize = new Map<number, FoundFile[]>();
  const seen = new Set<string>();
  for (const dir of dirs) {
    for await (const file of walkRegularFiles(dir, seen)) {
      const group = bySize.get(file.size);
      if (group) group.push(file);
      else bySize.set(file.size, [file]);
    }
  }
  let deduped = 0;
  for (const group of bySize.values()) {
    if (group.length < 2) continue;
    const candidates = new Map<string, FoundFile[]>();
    for (const file of group) {
      const key = await fileKey(file, opts.hashMethod);
      const sources = candidates.get(key);
      if (!sources) {
        candidates.set(key, [file]);
        continue;
      }
      let shared = 0;
      for (const src of sources) {
        shared = await dedupePair(src, file);
        if (shared > 0) break;
      }
      if (shared > 0) deduped += shared;
      else sources.push(file);
    }
  }
  return { deduped };
}
