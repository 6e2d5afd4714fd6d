export { ImageStore, type ImageStoreOptions, type CreateImageOptions, type SetBigDataOptions, type ImageReader, type ImageWriter } from './image-store.js';
export { type Image, isManifestKey } from './image-record.js';
export { ImageUnknownError, InvalidImageDigestError } from './errors.js';
export {
  DuplicateIDError,
  DuplicateNameError,
  BigDataUnknownError,
  SizeUnknownError,
  DigestUnknownError,
  ReadOnlyStoreError,
  CorruptFileError,
  InvalidBigDataKeyError,
  GoTime,
} from '@cs/records';
export { AmbiguousIDError } from '@cs/ids';
