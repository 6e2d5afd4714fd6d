export {
  ContainerStore,
  type ContainerStoreOptions,
  type CreateContainerOptions,
  type ContainerReader,
  type ContainerWriter,
} from './container-store.js';
export { type Container } from './container-record.js';
export { ContainerUnknownError } from './errors.js';
// The shared errors of every record store (DuplicateIDError, BigDataUnknownError, …), AmbiguousIDError and GoTime.
export * from '@cs/records/store-api';
export { type IDMap } from '@cs/records';
