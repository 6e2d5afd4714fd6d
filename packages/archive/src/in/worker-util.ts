import { ArchiveError, type ArchiveErrorCode } from '../common/errors.js';

/** An error as it crosses a worker boundary (structured clone drops classes and extra fields). */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
  entry?: string;
}

export function serialize(e: unknown): SerializedError {
  const err = e as Partial<NodeJS.ErrnoException & ArchiveError>;
  const out: SerializedError = { name: err?.name ?? 'Error', message: err?.message ?? String(e) };
  if (typeof err?.code === 'string') out.code = err.code;
  if (typeof err?.errno === 'number') out.errno = err.errno;
  if (typeof err?.syscall === 'string') out.syscall = err.syscall;
  if (typeof err?.path === 'string') out.path = err.path;
  if (typeof err?.entry === 'string') out.entry = err.entry;
  return out;
}

export function deserialize(s: SerializedError): Error {
  if (s.name === 'ArchiveError' && s.code !== undefined) {
    return new ArchiveError(s.code as ArchiveErrorCode, s.message, s.entry === undefined ? undefined : { entry: s.entry });
  }
  const e = new Error(s.message) as NodeJS.ErrnoException;
  if (s.code !== undefined) e.code = s.code;
  if (s.errno !== undefined) e.errno = s.errno;
  if (s.syscall !== undefined) e.syscall = s.syscall;
  if (s.path !== undefined) e.path = s.path;
  return e;
}

/**
 * The module URL a worker can load: only built JavaScript (dist/), not .ts sources under a
 * test runner. CS_ARCHIVE_APPLY_IN_PROCESS=1 keeps everything in the calling thread.
 */
export function builtModuleURL(moduleUrl: string): URL | undefined {
  if (process.env.CS_ARCHIVE_APPLY_IN_PROCESS === '1') return undefined;
  const url = new URL(moduleUrl);
  return url.pathname.endsWith('.js') || url.pathname.endsWith('.mjs') ? url : undefined;
}
