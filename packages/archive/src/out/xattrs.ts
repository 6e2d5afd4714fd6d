/**
 * Reading the xattrs that go into produced tars and into change detection, never following
 * symlinks (via @cs/sys). A file system without xattr support simply has none.
 */
import { lgetxattr, lgetxattrSync, llistxattr, llistxattrSync } from '@cs/sys';

export type XattrFilter = (name: string) => boolean;

/** HEAD: security.capability, security.ima and user.* except user.overlay.* (layer-diff.md §5.4.1). */
export const TAR_XATTRS_HEAD: XattrFilter = (n) =>
  n === 'security.capability' || n === 'security.ima' || (n.startsWith('user.') && !n.startsWith('user.overlay.'));

/** 1.43: the same, with user.overlay.* included. */
export const TAR_XATTRS_143: XattrFilter = (n) =>
  n === 'security.capability' || n === 'security.ima' || n.startsWith('user.');

/** Tree comparison looks at security.capability and every user.* xattr (layer-diff.md §5.2). */
export const CHANGE_XATTRS: XattrFilter = (n) => n === 'security.capability' || n.startsWith('user.');

function codeOf(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}

export async function listXattrs(path: string | Buffer): Promise<string[]> {
  try {
    return await llistxattr(path);
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') return [];
    throw err;
  }
}

/**
 * Reads the listed names that pass `filter`; names come back as byte strings (UTF-8 encoded,
 * one char per byte) sorted, values raw. An attribute that vanished meanwhile (ENODATA) or is
 * too big to read (E2BIG) is skipped, as upstream does.
 */
export async function readXattrs(
  path: string | Buffer,
  names: readonly string[],
  filter: XattrFilter,
): Promise<Array<[string, Buffer]>> {
  const out: Array<[string, Buffer]> = [];
  for (const name of names) {
    if (!filter(name)) continue;
    try {
      const value = await lgetxattr(path, name);
      out.push([Buffer.from(name, 'utf8').toString('latin1'), value]);
    } catch (err) {
      const code = codeOf(err);
      if (code === 'ENODATA' || code === 'E2BIG' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') continue;
      throw err;
    }
  }
  out.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return out;
}

/** The overlay opaque flag: the xattr holds exactly "y". */
export async function isOpaque(path: string | Buffer, names: readonly string[], xattrName: string): Promise<boolean> {
  if (!names.includes(xattrName)) return false;
  try {
    const v = await lgetxattr(path, xattrName);
    return v.length === 1 && v[0] === 0x79;
  } catch (err) {
    if (codeOf(err) === 'ENODATA') return false;
    throw err;
  }
}

/** isOpaque, synchronously. Listing first: a failed getxattr costs an exception object. */
export function isOpaqueSync(path: string | Buffer, xattrName: string): boolean {
  try {
    if (!llistxattrSync(path).includes(xattrName)) return false;
    const v = lgetxattrSync(path, xattrName);
    return v.length === 1 && v[0] === 0x79;
  } catch (err) {
    const code = codeOf(err);
    if (code === 'ENODATA' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') return false;
    throw err;
  }
}
