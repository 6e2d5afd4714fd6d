import { closeSync, fstatSync, openSync, readFile, readFileSync } from 'node:fs';
import { promisify } from 'node:util';

/** Files up to this size are read inline: a few syscalls cost less than thread-pool round trips. */
const INLINE_LIMIT = 256 * 1024;
const readFd = promisify(readFile);

/**
 * Reads `file` and its mtime (ns) through one descriptor, so the mtime belongs to exactly the
 * bytes read; null when it does not exist. Open and fstat are single metadata syscalls done
 * inline; the read is inline too for small files and on the thread pool for big ones.
 */
export async function readFileWithMtime(file: string): Promise<{ bytes: Buffer; mtimeNs: bigint } | null> {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    const st = fstatSync(fd, { bigint: true });
    const bytes = st.size <= BigInt(INLINE_LIMIT) ? readFileSync(fd) : await readFd(fd);
    return { bytes, mtimeNs: st.mtimeNs };
  } finally {
    closeSync(fd);
  }
}
