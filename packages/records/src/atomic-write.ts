import { promises as fs } from 'node:fs';
import path from 'node:path';

export interface AtomicWriteOptions {
  /** Final permission bits (default 0600, what Go uses for all metadata and big data). */
  mode?: number;
  /** fdatasync before the rename (default true; HEAD skips it for volatile files). */
  sync?: boolean;
}

let tempCounter = 0;

/**
 * `.tmp-<base><decimal>` in the destination directory, like Go's os.CreateTemp(dir, ".tmp-"+base).
 * The digits are pid + counter + clock (unique per process; 'wx' and the retry cover other
 * processes), so no node:crypto load just for a name.
 */
async function createTemp(dest: string): Promise<{ tmpPath: string; handle: fs.FileHandle }> {
  const dir = path.dirname(dest);
  const base = path.basename(dest);
  for (let attempt = 0; ; attempt++) {
    const tmpPath = path.join(dir, `.tmp-${base}${process.pid}${++tempCounter}${process.hrtime.bigint() % 1000000n}`);
    try {
      return { tmpPath, handle: await fs.open(tmpPath, 'wx', 0o600) };
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST' || attempt >= 10000) throw err;
    }
  }
}

/**
 * Replace `dest` atomically (on-disk.md §4.1): temp file in the same directory (0600), write,
 * fdatasync, chmod, rename. Readers see the old or the new complete file; on error the temp
 * file is removed and the old file is left alone.
 */
export async function atomicWriteFile(dest: string, data: Uint8Array | string, opts: AtomicWriteOptions = {}): Promise<void> {
  await atomicWriteWith(dest, opts, async (handle) => {
    await handle.writeFile(data);
  });
}

/** Same as atomicWriteFile, streaming the bytes in; returns the number of bytes written. */
export async function atomicWriteStream(
  dest: string,
  source: AsyncIterable<Uint8Array>,
  opts: AtomicWriteOptions = {},
): Promise<number> {
  let size = 0;
  await atomicWriteWith(dest, opts, async (handle) => {
    for await (const chunk of source) {
      let off = 0;
      while (off < chunk.length) {
        const { bytesWritten } = await handle.write(chunk, off, chunk.length - off);
        off += bytesWritten;
      }
      size += chunk.length;
    }
  });
  return size;
}

async function atomicWriteWith(dest: string, opts: AtomicWriteOptions, fill: (h: fs.FileHandle) => Promise<void>): Promise<void> {
  const { tmpPath, handle } = await createTemp(dest);
  let renamed = false;
  try {
    try {
      await fill(handle);
      if (opts.sync !== false) await handle.datasync();
      await handle.chmod(opts.mode ?? 0o600);
    } finally {
      await handle.close();
    }
    await fs.rename(tmpPath, dest);
    renamed = true;
  } finally {
    if (!renamed) await fs.rm(tmpPath, { force: true });
  }
}
