import { promises as fs } from 'node:fs';

/** A regular file found by the dedup walk; paths are raw bytes so that any file name works. */
export interface FoundFile {
  path: Buffer;
  /** the directory the walk started from (for messages) */
  root: string;
  size: number;
}

const SLASH = Buffer.from('/');

function compareBytes(a: { name: Buffer }, b: { name: Buffer }): number {
  return Buffer.compare(a.name, b.name);
}

/**
 * Non-empty regular files below `root` in Go's WalkDir order (depth first, names in byte order,
 * a directory's subtree where its name sorts), symlinks not followed. An inode already in `seen`
 * (a hard link, here or under an earlier root) is skipped, as upstream's visited-inode set does.
 * A missing root yields nothing.
 */
export async function* walkRegularFiles(root: string, seen: Set<string>): AsyncGenerator<FoundFile> {
  async function* walk(dir: Buffer, top: boolean): AsyncGenerator<FoundFile> {
    let entries;
    try {
      entries = await fs.readdir(dir, { withFileTypes: true, encoding: 'buffer' });
    } catch (err) {
      if (top && (err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    entries.sort(compareBytes);
    for (const e of entries) {
      const p = Buffer.concat([dir, SLASH, e.name]);
      if (e.isDirectory()) {
        yield* walk(p, false);
        continue;
      }
      if (!e.isFile()) continue;
      const st = await fs.lstat(p, { bigint: true });
      if (!st.isFile() || st.size === 0n) continue;
      const inode = `${st.dev}:${st.ino}`;
      if (seen.has(inode)) continue;
      seen.add(inode);
      yield { path: p, root, size: Number(st.size) };
    }
  }
  yield* walk(Buffer.from(root), true);
}
