export {
  ContainerStore,
  type ContainerStoreOptions,
  type CreateContainerOptions,
  type ContainerReader,
  type ContainerWriter,
} from './container-store.js';
export { type Container } from './container-record.js';
export { ContainerUnknownError } from './errors.js';
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
  type IDMap,
} from '@cs/records';
export { AmbiguousIDError } from '@cs/ids';
