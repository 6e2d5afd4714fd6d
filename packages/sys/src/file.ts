/**
 * Slots and flags of the per-file calls (fileCreateAtSync, fileFinishSync, setAttrsAtSync): the attributes
 * travel in one Float64Array the caller reuses, so a call per file reads them without a property lookup
 * each. Keep in step with src/native/op_file.c.
 */
export const FILE_ATTR = {
  /** FILE_FLAG bits */
  FLAGS: 0,
  /** permission bits for the create (the umask applies) */
  MODE: 1,
  UID: 2,
  GID: 3,
  /** mode for fchmod/fchmodat (with setuid/setgid/sticky), when FILE_FLAG.CHMOD is set */
  CHMOD: 4,
  ATIME_SEC: 5,
  ATIME_NSEC: 6,
  MTIME_SEC: 7,
  MTIME_NSEC: 8,
  /** length of the attrs array */
  LENGTH: 9,
} as const;

export const FILE_FLAG = {
  /** set the owner (uid, gid); chown comes first, as it clears setuid/setgid and file capabilities */
  CHOWN: 1,
  /** set the mode (FILE_ATTR.CHMOD) after owner and xattrs */
  CHMOD: 2,
  /** set atime and mtime */
  TIMES: 4,
  /** fileCreateAtSync: leave the file open and return its fd (more data follows) */
  KEEP_OPEN: 8,
  /** a failed chown is not an error (storage.conf ignore_chown_errors) */
  IGNORE_CHOWN_ERRORS: 16,
  /** EPERM from setting an xattr is not an error (rootless: trusted.* is dropped, as upstream does) */
  IGNORE_XATTR_EPERM: 32,
} as const;

/** A fresh attrs array for the per-file calls. */
export function fileAttrs(): Float64Array {
  return new Float64Array(FILE_ATTR.LENGTH);
}
