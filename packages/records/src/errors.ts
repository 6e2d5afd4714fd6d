/** Base class of every error thrown by @cs/records; `code` is stable and meant for programs. */
export class RecordsError extends Error {
  readonly code: string;
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/**
 * A store file could not be decoded. Go 1.43 silently drops every record from the faulty one on;
 * we refuse instead (on-disk.md §2.7, trap 10), so nothing is lost on the next rewrite.
 */
export class CorruptFileError extends RecordsError {
  readonly file: string;
  readonly detail: string;
  constructor(file: string, detail: string, options?: { cause?: unknown }) {
    super('ERR_CORRUPT_STORE_FILE', `corrupt store file ${file}: ${detail}`, options);
    this.file = file;
    this.detail = detail;
  }
}

/** A JSON value did not have the shape a record member needs (thrown while decoding one record). */
export class RecordDecodeError extends RecordsError {
  constructor(message: string) {
    super('ERR_RECORD_DECODE', message);
  }
}

/** JSON text that is not valid JSON. `offset` is the byte-ish (UTF-16 unit) position of the problem. */
export class JSONSyntaxError extends RecordsError {
  readonly offset: number;
  constructor(message: string, offset: number) {
    super('ERR_JSON_SYNTAX', `${message} at offset ${offset}`);
    this.offset = offset;
  }
}

/** A string that is not a strict RFC 3339 time stamp, or a time Go cannot encode. */
export class InvalidTimestampError extends RecordsError {
  constructor(message: string) {
    super('ERR_INVALID_TIMESTAMP', message);
  }
}

/** A big-data key that cannot be stored (empty, or its file name would leave the directory). */
export class InvalidBigDataKeyError extends RecordsError {
  constructor(message: string) {
    super('ERR_INVALID_BIG_DATA_KEY', message);
  }
}

/** A value that Go's encoder would refuse (NaN, Infinity, an unsupported type). */
export class UnsupportedValueError extends RecordsError {
  constructor(message: string) {
    super('ERR_UNSUPPORTED_VALUE', message);
  }
}

/**
 * A write was attempted through a store opened read-only (additional image stores). Worded as Go
 * wraps ErrStoreIsReadOnly: the context first, then the sentinel text.
 */
export class ReadOnlyStoreError extends RecordsError {
  constructor(what: string) {
    super('ERR_READ_ONLY_STORE', `${what}: called a write method on a read-only store`);
  }
}
