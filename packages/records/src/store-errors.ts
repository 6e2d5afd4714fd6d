import { RecordsError } from './errors.js';

/** The kinds of record stores, used in messages. */
export type RecordKind = 'layer' | 'image' | 'container';

/**
 * An ID given to a create call is already taken (Go ErrDuplicateID: "that ID is already in use").
 * Go wraps it with context only for images; layers and containers return the bare sentinel.
 */
export class DuplicateIDError extends RecordsError {
  constructor(
    readonly kind: RecordKind,
    readonly id: string,
  ) {
    super(
      'ERR_DUPLICATE_ID',
      kind === 'image' ? `an image with ID ${JSON.stringify(id)} already exists: that ID is already in use` : 'that ID is already in use',
    );
  }
}

/**
 * A name given to a create call belongs to another record (Go ErrDuplicateName). Go's layer store
 * returns the bare sentinel; images add which image has the name (containers pass their own text).
 */
export class DuplicateNameError extends RecordsError {
  constructor(
    readonly kind: RecordKind,
    readonly recordName: string,
    readonly ownerID: string,
    message?: string,
  ) {
    super(
      'ERR_DUPLICATE_NAME',
      message ??
        (kind === 'layer'
          ? 'that name is already in use'
          : `${kind} name ${JSON.stringify(recordName)} is already associated with ${kind} ${JSON.stringify(ownerID)}: that name is already in use`),
    );
  }
}

/**
 * The big-data item does not exist. The message is Go's: images wrap ErrNotExist with the item
 * and image; containers and layers surface the OS error of opening the file.
 */
export class BigDataUnknownError extends RecordsError {
  constructor(
    readonly kind: RecordKind,
    readonly id: string,
    readonly key: string,
    readonly path?: string,
  ) {
    super(
      'ERR_BIG_DATA_UNKNOWN',
      kind === 'image' || path === undefined
        ? `locating item named ${JSON.stringify(key)} for ${kind} with ID ${JSON.stringify(id)} (consider removing the ${kind} to resolve the issue): file does not exist`
        : `open ${path}: no such file or directory`,
    );
  }
}

/** No size is recorded for the item and it cannot be read (Go ErrSizeUnknown). */
export class SizeUnknownError extends RecordsError {
  constructor(readonly key: string) {
    super('ERR_SIZE_UNKNOWN', 'size is not known');
  }
}

/** No digest is recorded for the item (Go ErrDigestUnknown). */
export class DigestUnknownError extends RecordsError {
  constructor(readonly key: string) {
    super('ERR_DIGEST_UNKNOWN', 'could not compute digest of item');
  }
}
