// @cs/store: the Store and its options, plus the public types of the packages below (meta-package).
export { Store, STORE_VERSION, type ItemKind } from './store.js';
export type { ParentOwners } from './parent-owners.js';
export {
  type StoreOptions,
  type ResolvedStoreOptions,
  ROOT_GRAPH_ROOT,
  ROOT_RUN_ROOT,
  additionalImageStores,
  parseIDMapString,
} from './options.js';
export { resolveStoreOptions } from './resolve-options.js';
export { defaultStoreOptions, storageConfPath, driverOptionsFromConf, SYSTEM_CONF, DEFAULT_CONF, type DefaultsContext } from './config/defaults.js';
export { parseStorageConf, loadStorageConf, type StorageConf } from './config/storage-conf.js';
export {
  StoreError,
  ConfigError,
  IncompleteOptionsError,
  InvalidIDMapError,
  DriverAmbiguousError,
  StoreClosedError,
  LayerMountedError,
  NotFoundError,
  ImageInUseError,
  ContainerNameInUseError,
  NotSupportedError,
  InvalidOptionsError,
  ParentIsContainerError,
} from './errors.js';
export { checkStore, repairStore, type CheckReport, type CheckOptions } from './check.js';
export { garbageCollect } from './gc.js';
export { PartialImagesDisabledError, partialImagesEnabled } from './pull-options.js';

// Re-exports of the lower packages' public types and errors.
export {
  LayerStore,
  LayerUnknownError,
  AmbiguousLayerIDError,
  DuplicateLayerIDError,
  DuplicateLayerNameError,
  InvalidLayerIDError,
  LayerHasChildrenError,
  LayerInUseError,
  LayerDataNotFoundError,
  UnsupportedDiffCompressionError,
  StagingNotSupportedError,
  COMPRESSION,
  type Layer,
  type CreateLayerOptions,
  type PutLayerOptions,
  type DiffOptions,
  type CompressionName,
} from '@cs/layers';
export { ImageStore, ImageUnknownError, InvalidImageDigestError, type Image, type CreateImageOptions } from '@cs/images';
export { ContainerStore, ContainerUnknownError, type Container, type CreateContainerOptions } from '@cs/containers';
export {
  RecordsError,
  CorruptFileError,
  ReadOnlyStoreError,
  DuplicateIDError,
  DuplicateNameError,
  BigDataUnknownError,
  SizeUnknownError,
  DigestUnknownError,
  InvalidBigDataKeyError,
  GoTime,
  type IDMap,
} from '@cs/records';
export { AmbiguousIDError, IDNotFoundError, InvalidIDError, generateID } from '@cs/ids';
export { DriverError, DEDUP_HASH_METHODS, type Driver, type MountOpts, type Change, type DedupHashMethod, type DedupOptions, type DedupResult } from '@cs/drivers';
export { LockFile, LockFileError } from '@cs/lockfile';
