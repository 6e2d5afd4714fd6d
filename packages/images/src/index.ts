export { ImageStore, type ImageStoreOptions, type CreateImageOptions, type SetBigDataOptions, type ImageReader, type ImageWriter } from './image-store.js';
export { type Image, isManifestKey } from './image-record.js';
export { ImageUnknownError, InvalidImageDigestError } from './errors.js';
// The shared errors of every record store (DuplicateIDError, BigDataUnknownError, …), AmbiguousIDError and GoTime.
export * from '@cs/records/store-api';
