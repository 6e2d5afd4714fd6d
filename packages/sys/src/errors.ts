/**
 * A failed system call, shaped like Node's fs errors:
 * `EPERM: operation not permitted, mount '/x'` with `code`, negative `errno`, `syscall`, `path` and `dest`.
 * The native code creates these (the loader hands it this class), so `instanceof SysError` holds.
 */
export class SysError extends Error {
  /** errno name, e.g. 'ENOENT', 'EPERM', 'ENODATA' */
  declare code: string;
  /** negative errno, as in Node (-2 for ENOENT) */
  declare errno: number;
  /** the system call that failed, e.g. 'lsetxattr' or 'open' */
  declare syscall: string;
  /** the path the call was about, when it had one */
  declare path?: string;
  /** the second path (rename, link, symlink), when it had one */
  declare dest?: string;

  constructor(message: string) {
    super(message);
  }
}
// on the prototype, so that own properties are only code/errno/syscall/path/dest (as with Node's errors)
Object.defineProperty(SysError.prototype, 'name', { value: 'SysError', writable: true, configurable: true });

/** True when `err` is a SysError, optionally with the given code. */
export function isSysError(err: unknown, code?: string): err is SysError {
  return err instanceof SysError && (code === undefined || err.code === code);
}
