/**
 * Every misuse or failure of a lock file, with a stable `code`:
 * - ERR_LOCK_DIR_MISSING: the folder of the lock file does not exist (stores create it first)
 * - ERR_LOCK_INVALID_PATH: the path is not a non-empty string
 * - ERR_LOCK_READ_ONLY: write lock or token write on a lock file opened read-only
 * - ERR_LOCK_HELD: this LockFile object already holds a lock that the call would deadlock on
 * - ERR_NOT_LOCKED: unlock / modified / token read without holding a lock
 * - ERR_NOT_WRITE_LOCKED: touch / recordWrite without holding the write lock
 * - ERR_LOCK_CLOSED: the LockFile object was closed
 * - ERR_LOCK_ABORTED: the AbortSignal fired while waiting (`cause` is the signal's reason)
 * Syscall failures keep Node's fs error shape (code 'EACCES', 'EROFS', …) and are not wrapped.
 */
export class LockFileError extends Error {
  readonly code: string;
  readonly path: string;
  constructor(code: string, path: string, message: string, options?: { cause?: unknown }) {
    super(`${message}: ${path}`, options);
    this.name = 'LockFileError';
    this.code = code;
    this.path = path;
  }
}
