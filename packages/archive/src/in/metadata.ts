import { FILE_ATTR } from '@cs/sys';
import type { TarEntry } from './tar-header.js';

/** Xattrs never set on apply (layer-diff.md §2.6). */
function skipXattr(name: string, keepOverlay: boolean): boolean {
  if (name === 'security.selinux') return true;
  if (keepOverlay) return false;
  return name.startsWith('trusted.overlay.') || name.startsWith('user.overlay.') || name === 'user.containers.override_stat';
}

/**
 * The xattrs of an entry to set, in stream order, or null for none. The native calls that set them skip
 * ENOTSUP (and EPERM when rootless) as upstream does.
 */
export function xattrsToSet(xattrs: ReadonlyArray<[string, Buffer]>, keepOverlay: boolean): Array<[string, Buffer]> | null {
  if (xattrs.length === 0) return null;
  const out = xattrs.filter(([name]) => !skipXattr(name, keepOverlay));
  return out.length === 0 ? null : out;
}

/**
 * Times of a non-directory into `attrs` (FILE_ATTR slots): negative times are clamped to the epoch,
 * atime is raised to mtime when earlier or missing (§2.7).
 */
export function putFileTimes(attrs: Float64Array, e: Pick<TarEntry, 'mtime' | 'mtimeNsec' | 'atime' | 'atimeNsec'>): void {
  let ms = e.mtime;
  let mn = e.mtimeNsec;
  if (ms < 0) ms = mn = 0;
  let as = ms;
  let an = mn;
  if (e.atime !== undefined && e.atime >= 0 && (e.atime > ms || (e.atime === ms && e.atimeNsec > mn))) {
    as = e.atime;
    an = e.atimeNsec;
  }
  attrs[FILE_ATTR.ATIME_SEC] = as;
  attrs[FILE_ATTR.ATIME_NSEC] = an;
  attrs[FILE_ATTR.MTIME_SEC] = ms;
  attrs[FILE_ATTR.MTIME_NSEC] = mn;
}

/** Times of a directory, [atime s, ns, mtime s, ns]: missing atime is the epoch, never raised; negatives clamped (§2.7). */
export function dirTimes(e: Pick<TarEntry, 'mtime' | 'mtimeNsec' | 'atime' | 'atimeNsec'>): [number, number, number, number] {
  const a = e.atime === undefined || e.atime < 0 ? [0, 0] : [e.atime, e.atimeNsec];
  const m = e.mtime < 0 ? [0, 0] : [e.mtime, e.mtimeNsec];
  return [a[0]!, a[1]!, m[0]!, m[1]!];
}
