import * as fs from 'node:fs';
import * as sys from '@cs/sys';
import { O_CLOEXEC, O_CREAT, O_EXCL, O_NOFOLLOW, O_RDONLY, O_WRONLY, errCode } from './fsx.js';
import { Root } from './root.js';

function fsError(code: string, message: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** Finds `parts` in the lower dirs (nearest first, in-root resolution); undefined when absent or whited out. */
function findInLowers(lowerDirs: readonly string[], parts: Buffer[]): { root: Root; path: Buffer } | undefined {
  for (const dir of lowerDirs) {
    const root = Root.openSync(dir);
    try {
      const fd = root.dir(parts.slice(0, -1));
      const p = root.at(fd, parts[parts.length - 1]!);
      const st = fs.lstatSync(p);
      if (st.isCharacterDevice() && st.rdev === 0) {
        root.close();
        return undefined; // a whiteout hides everything below
      }
      return { root, path: p };
    } catch (err) {
      root.close();
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
export function copyUpFromLower(lowerDirs: readonly string[], parts: Buffer[], destination: () => Buffer): void {
  const found = findInLowers(lowerDirs, parts);
  const shown = '/' + parts.map((p) => p.toString('utf8')).join('/');
  if (found === undefined) throw fsError('ENOENT', `no such file or directory: hardlink target ${shown}`);
  const { root, path } = found;
  try {
    const st = fs.lstatSync(path, { bigint: true });
    if (!st.isFile()) throw fsError('EPERM', `hardlink target ${shown} in a lower layer is not a regular file`);
    const dst = destination();
    const src = fs.openSync(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    try {
      const out = fs.openSync(dst, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0o600);
      try {
        const buf = Buffer.allocUnsafe(256 * 1024);
        for (;;) {
          const n = fs.readSync(src, buf, 0, buf.length, null);
          if (n === 0) break;
          for (let off = 0; off < n; ) off += fs.writeSync(out, buf, off, n - off);
        }
        fs.fchownSync(out, Number(st.uid), Number(st.gid));
        for (const name of sys.flistxattrSync(src)) sys.fsetxattrSync(out, name, sys.fgetxattrSync(src, name));
        fs.fchmodSync(out, Number(st.mode) & 0o7777);
        sys.futimensSync(out, st.atimeNs, st.mtimeNs);
      } finally {
        fs.closeSync(out);
      }
    } finally {
      fs.closeSync(src);
    }
  } finally {
    root.close();
  }
}
