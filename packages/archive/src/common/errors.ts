/** Stable error codes of @cs/archive. Messages keep upstream's substrings (layer-diff.md §4.4). */
export type ArchiveErrorCode =
  | 'ERR_ARCHIVE_TRUNCATED'              // "unexpected EOF"
  | 'ERR_ARCHIVE_INVALID_HEADER'         // "archive/tar: invalid tar header"
  | 'ERR_ARCHIVE_CHECKSUM'               // bad header checksum (also an invalid header)
  | 'ERR_ARCHIVE_HEADER_TOO_LONG'        // "archive/tar: header field too long"
  | 'ERR_ARCHIVE_UNSUPPORTED_TYPE'       // "unhandled tar header type N"
  | 'ERR_ARCHIVE_SPARSE_UNSUPPORTED'     // sparse members are rejected (layer-diff.md §5.6.5)
  | 'ERR_ARCHIVE_DUPLICATE_PATH'         // "duplicates of file paths not supported"
  | 'ERR_ARCHIVE_UNSAFE_PATH'            // whiteout or root entry that would touch the root itself
  | 'ERR_ARCHIVE_UNSUPPORTED_COMPRESSION'
  | 'ERR_ARCHIVE_DECOMPRESSOR_MISSING'   // the system tool for bzip2/xz/zstd is not installed
  | 'ERR_ARCHIVE_CORRUPT_COMPRESSED'     // "gzip: invalid header", bad bzip2/xz/zstd data
  | 'ERR_ARCHIVE_ID_UNMAPPED'            // "container ID N cannot be mapped to a host ID"
  | 'ERR_ARCHIVE_INVALID_LINK'           // empty symlink target, bad aufs hardlink
  | 'ERR_ARCHIVE_ABORTED'
  | 'ERR_ARCHIVE_UNSUPPORTED_OPTION'
  | 'ERR_TARSPLIT_CHECKSUM'              // "file integrity checksum failed for <name>"
  | 'ERR_TARSPLIT_CORRUPT';              // unreadable tar-split stream

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  /** Member name (raw bytes decoded leniently) the error is about, when there is one. */
  readonly entry?: string;

  constructor(code: ArchiveErrorCode, message: string, options?: { entry?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ArchiveError';
    this.code = code;
    if (options?.entry !== undefined) this.entry = options.entry;
  }
}

export function truncated(what = 'tar stream'): ArchiveError {
  return new ArchiveError('ERR_ARCHIVE_TRUNCATED', `unexpected EOF in ${what}`);
}

export function invalidHeader(detail: string): ArchiveError {
  return new ArchiveError('ERR_ARCHIVE_INVALID_HEADER', `archive/tar: invalid tar header (${detail})`);
}
