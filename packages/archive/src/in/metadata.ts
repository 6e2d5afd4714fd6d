import * as sys from '@cs/sys';
import { errCode } from './fsx.js';

/** Xattrs never set on apply (layer-diff.md §2.6). */
function skipXattr(name: string, keepOverlay: boolean): boolean {
  if (name === 'security.selinux') return true;
  if (keepOverlay) return false;
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.') || name === 'user.containers.override_stat';
}

/** Sets xattrs on a path (never following it) or an fd; ENOTSUP (and EPERM when rootless) is ignored as upstream does. */
export function setXattrs(target: { path: Buffer } | { fd: number }, xattrs: ReadonlyArray<[string, Buffer]>, keepOverlay: boolean, rootless = false): void {
  for (const [name, value] of xattrs) {
    if (skipXattr(name, keepOverlay)) continue;
    try {
      if ('fd' in target) sys.fsetxattrSync(target.fd, name, value);
      else sys.lsetxattrSync(target.path, name, value);
    } catch (e) {
      const code = errCode(e);
      if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') continue;
      if (rootless && code === 'EPERM') continue; // e.g. trusted.* in a user namespace: dropped, as upstream
      throw e;
    }
  }
}

/** Negative times are clamped to the epoch (§2.7). */
export function clampNs(t: bigint): bigint {
  return t < 0n ? 0n : t;
}

/** Times of a non-directory: atime is raised to mtime when earlier or missing (§2.7). */
export function fileTimes(atimeNs: bigint | undefined, mtimeNs: bigint): [bigint, bigint] {
  const m = clampNs(mtimeNs);
  const a = atimeNs === undefined ? m : clampNs(atimeNs);
  return [a < m ? m : a, m];
}

/** Times of a directory: missing atime is the epoch, never raised (§2.7). */
export function dirTimes(atimeNs: bigint | undefined, mtimeNs: bigint): [bigint, bigint] {
  return [atimeNs === undefined ? 0n : clampNs(atimeNs), clampNs(mtimeNs)];
}
