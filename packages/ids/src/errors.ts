/** Base class of every error thrown by @cs/ids; `code` is stable, messages are not. */
export class IdsError extends Error {
  readonly code: string;
  constructor(code: string, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** A string that is not a valid ID (or an empty/illegal prefix given to the prefix index). */
export class InvalidIDError extends IdsError {
  readonly id: string;
  constructor(id: string, reason: string) {
    super('ERR_INVALID_ID', `invalid ID ${JSON.stringify(id)}: ${reason}`);
    this.id = id;
  }
}

/** A string that is not a valid `algorithm:encoded` digest. */
export class InvalidDigestError extends IdsError {
  readonly digest: string;
  /** 'format' (no algorithm:encoded shape), 'unsupported' (unknown algorithm), 'encoding' (wrong length or characters). */
  readonly reason: 'format' | 'unsupported' | 'encoding';
  constructor(digest: string, reason: 'format' | 'unsupported' | 'encoding', detail: string) {
    super('ERR_INVALID_DIGEST', `invalid digest ${JSON.stringify(digest)}: ${detail}`);
    this.digest = digest;
    this.reason = reason;
  }
}

/** No ID in the index starts with the given prefix (or the exact ID is unknown). */
export class IDNotFoundError extends IdsError {
  readonly prefix: string;
  constructor(prefix: string) {
    super('ERR_ID_NOT_FOUND', `no such ID: ${JSON.stringify(prefix)}`);
    this.prefix = prefix;
  }
}

/** More than one ID in the index starts with the given prefix. */
export class AmbiguousIDError extends IdsError {
  readonly prefix: string;
  constructor(prefix: string) {
    super('ERR_AMBIGUOUS_ID', `multiple IDs found with provided prefix: ${JSON.stringify(prefix)}`);
    this.prefix = prefix;
  }
}

/** The ID is already in the index. */
export class DuplicateIDError extends IdsError {
  readonly id: string;
  constructor(id: string) {
    super('ERR_DUPLICATE_ID', `ID already exists: ${JSON.stringify(id)}`);
    this.id = id;
  }
}
