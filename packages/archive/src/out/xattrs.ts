/**
 * Reading the xattrs that go into produced tars and into change detection, never following
 * symlinks (via @cs/sys). A file system without xattr support simply has none.
 */
import { lgetxattrSync, llistxattrSync } from '@cs/sys';

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

/**
 * The overlay opaque flag (the xattr holds exactly "y"). Listing first: a failed getxattr costs
 * an exception object.
 */
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
