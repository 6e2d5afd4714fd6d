// What @cs/images and @cs/containers pass on to their users (`export * from '@cs/records/store-api'`):
// the errors every record store throws, beside each package's own, and the time type of its records.
export { DuplicateIDError, DuplicateNameError, BigDataUnknownError, SizeUnknownError, DigestUnknownError } from './store-errors.js';
export { ReadOnlyStoreError, CorruptFileError, InvalidBigDataKeyError } from './errors.js';
export { GoTime } from './time.js';
export { AmbiguousIDError } from '@cs/ids';
