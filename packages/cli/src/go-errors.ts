/** strerror texts Go prints for the errno codes that reach users most often. */
const STRERROR: Record<string, string> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file exists',
  ENOTEMPTY: 'directory not empty',
  EBUSY: 'device or resource busy',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EINVAL: 'invalid argument',
  EXDEV: 'invalid cross-device link',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
};

/**
 * The text upstream would print for an error: a library error's message as is, a Node fs error
 * as Go's *PathError (`open /x: no such file or directory`), never a stack.
 */
export function goErrorText(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const e = err as NodeJS.ErrnoException;
  if (typeof e.code === 'string' && typeof e.syscall === 'string' && e.code in STRERROR && /^E[A-Z]+: /.test(e.message)) {
    const text = STRERROR[e.code]!;
    return e.path !== undefined ? `${e.syscall} ${e.path}: ${text}` : `${e.syscall}: ${text}`;
  }
  return err.message;
}
