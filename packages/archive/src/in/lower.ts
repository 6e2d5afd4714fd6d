import { lstat } from 'node:fs/promises';
import * as sys from '@cs/sys';
import { O_CLOEXEC, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY, errCode, fsx } from './fsx.js';
import { Root } from './root.js';

/** Finds `parts` in the lower dirs (nearest first, in-root resolution); undefined when absent or whited out. */
async function findInLowers(lowerDirs: readonly string[], parts: Buffer[]): Promise<{ root: Root; path: Buffer } | undefined> {
  for (const dir of lowerDirs) {
    const root = await Root.open(dir);
    try {
      const fd = await root.dir(parts.slice(0, -1));
      const p = root.at(fd, parts[parts.length - 1]!);
      const st = await fsx.lstat(p);
      if (st.isCharacterDevice() && st.rdev === 0) {
        await root.close();
        return undefined; // a whiteout hides everything below
      }
      return { root, path: p };
    } catch (err) {
      await root.close();
      const code = errCode(err);
      if (code !== 'ENOENT' && code !== 'ENOTDIR') throw err;
    }
  }
  return undefined;
}

/**
 * Copies a lower layer's regular file (content, owner, mode, xattrs, times) into this layer,
 * so that a hardlink entry can share its inode, as the kernel's copy-up would.
 */
export async function copyUpFromLower(lowerDirs: readonly string[], parts: Buffer[], destination: () => Promise<Buffer>): Promise<void> {
  const found = await findInLowers(lowerDirs, parts);
  if (found === undefined) {
    const e = new Error(`no such file or directory: hardlink target /${parts.map((p) => p.toString('utf8')).join('/')}`) as NodeJS.ErrnoException;
    e.code = 'ENOENT';
    throw e;
  }
  const { root, path } = found;
  try {
    const st = await fsx.lstat(path);
    if (!st.isFile()) {
      const e = new Error('hardlink target in a lower layer is not a regular file') as NodeJS.ErrnoException;
      e.code = 'EPERM';
      throw e;
    }
    const dst = await destination();
    const src = await fsx.open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    try {
      const out = await fsx.open(dst, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600);
      try {
        const buf = Buffer.allocUnsafe(256 * 1024);
        for (;;) {
          const n = await fsx.read(src, buf, 0, buf.length, null);
          if (n === 0) break;
          for (let off = 0; off < n; ) off += await fsx.write(out, buf, off, n - off, null);
        }
        await fsx.fchown(out, st.uid, st.gid);
        for (const name of await sys.flistxattr(src)) {
          await sys.fsetxattr(out, name, await sys.fgetxattr(src, name));
        }
        await fsx.fchmod(out, st.mode & 0o7777);
        const big = await lstat(path, { bigint: true });
        await sys.futimens(out, big.atimeNs, big.mtimeNs);
      } finally {
        await fsx.close(out);
      }
    } finally {
      await fsx.close(src);
    }
  } finally {
    await root.close();
  }
}
