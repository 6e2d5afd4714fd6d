/**
 * @cs/sys: the Linux system calls Node lacks, as promise-returning functions with Node-style errors.
 * Cheap calls also have a *Sync twin for hot loops (one thread-pool hop per file adds up over 50k files).
 */
import { binding } from './binding.js';

export { SysError, isSysError } from './errors.js';
export type { PathArg, LockKind, LockHolder, OpenHow, SysBinding, DedupeDest, DedupeResult, GzipInflateStep } from './binding.js';
export { GzipInflater, gzipInflateAvailable } from './inflate.js';
export { FILE_ATTR, FILE_FLAG, fileAttrs } from './file.js';

export const {
  // mounts
  mount, umount2, MS, MNT,
  // devices
  mknod, mknodSync, mknodat, mknodatSync, makedev, major, minor,
  // xattrs (never following symlinks)
  lgetxattr, lgetxattrSync, lsetxattr, lsetxattrSync, llistxattr, llistxattrSync, lremovexattr, lremovexattrSync,
  fgetxattr, fgetxattrSync, fsetxattr, fsetxattrSync, flistxattr, flistxattrSync, fremovexattr, fremovexattrSync,
  XATTR,
  // OFD locks; ofdLock waits on a dedicated thread
  ofdTryLock, ofdTryLockSync, ofdLock, ofdUnlock, ofdUnlockSync, ofdGetLock, ofdGetLockSync,
  // times (bigint ns; null = leave unchanged)
  utimensat, utimensatSync, lutimens, lutimensSync, futimens, futimensSync,
  // rename, open and the *at helpers
  renameat2, renameat2Sync, RENAME, openat2, openat2Sync, RESOLVE, AT, O,
  mkdirat, mkdiratSync, symlinkat, symlinkatSync, linkat, linkatSync, unlinkat, unlinkatSync,
  fchownat, fchownatSync, fchmodat, fchmodatSync,
  // durability
  syncfs, fsyncDir,
  // extent sharing (reflink filesystems)
  fideduperange,
  // checksums (tar-split's CRC-64/ISO)
  crc64IsoUpdate,
  // one call per extracted file (layer apply)
  fileCreateAtSync, fileWriteSync, fileFinishSync, setAttrsAtSync,
} = binding;
