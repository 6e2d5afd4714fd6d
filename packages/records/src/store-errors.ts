import { RecordsError } from './errors.js';

/** The kinds of record stores, used in messages. */
export type RecordKind = 'layer' | 'image' | 'container';

/** An ID given to a create call is already taken (Go ErrDuplicateID: "that ID is already in use"). */
export class DuplicateIDError extends RecordsError {
  constructor(
    readonly kind: RecordKind,
    readonly id: string,
  ) {
    super('ERR_DUPLICATE_ID', `a ${kind} with ID ${JSON.stringify(id)} already exists: that ID is already in use`);
  }
}

/** A name given to a create call belongs to another record (Go ErrDuplicateName). */
export class DuplicateNameError extends RecordsError {
  constructor(
    readonly kind: RecordKind,
    readonly recordName: string,
    readonly ownerID: string,
    message?: string,
  ) {
    super(
      'ERR_DUPLICATE_NAME',
      message ?? `${kind} name ${JSON.stringify(recordName)} is already associated with ${kind} ${JSON.stringify(ownerID)}: that name is already in use`,
    );
  }
}

/** The big-data item does not exist (Go: the os.ErrNotExist of opening its file). */
export class BigDataUnknownError extends RecordsError {
  constructor(
    readonly kind: RecordKind,
    readonly id: string,
    readonly key: string,
  ) {
    super(
      'ERR_BIG_DATA_UNKNOWN',
      `locating item named ${JSON.stringify(key)} for ${kind} with ID ${JSON.stringify(id)}: file does not exist`,
    );
  }
}

/** No size is recorded for the item and it cannot be read (Go ErrSizeUnknown). */
export class SizeUnknownError extends RecordsError {
  constructor(readonly key: string) {
    super('ERR_SIZE_UNKNOWN', `size of item ${JSON.stringify(key)}: size is not known`);
  }
}

/** No digest is recorded for the item (Go ErrDigestUnknown). */
export class DigestUnknownError extends RecordsError {
  constructor(readonly key: string) {
    super('ERR_DIGEST_UNKNOWN', `digest of item ${JSON.stringify(key)}: could not compute digest of item`);
  }
}
