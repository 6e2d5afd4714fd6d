// Side effect: on a worker thread, load @cs/archive for its worker entry points.
import './archive-in-workers.js';
export {
  LayerStore,
  type LayerStoreOptions,
  type CreateLayerOptions,
  type PutLayerOptions,
  type DiffOptions,
} from './layer-store.js';
export { type DiffSource } from './diff-source.js';
export {
  COMPRESSION,
  INCOMPLETE_FLAG,
  compressionName,
  isIncomplete,
  type CompressionName,
  type IDMap,
  type Layer,
} from './layer.js';
export { decodeLayer, encodeLayer, emptyLayer, type StoredLayer } from './layer-codec.js';
export { decodeMount, encodeMount, type MountRecord } from './mountpoints-codec.js';
export { LayerIndex } from './layer-index.js';
export { treeChangedSince } from './freshness.js';
export { type LayerLocation, type LayerStorePaths } from './paths.js';
export { type LayerProblem, type CheckOptions } from './check.js';
export {
  LayerStoreError,
  LayerUnknownError,
  AmbiguousLayerIDError,
  DuplicateLayerIDError,
  DuplicateLayerNameError,
  InvalidLayerIDError,
  LayerHasChildrenError,
  LayerInUseError,
  LayerDataNotFoundError,
  UnsupportedDiffCompressionError,
  LayerStoreClosedError,
  StagingNotSupportedError,
} from './errors.js';
// Errors that come from the shared record helpers, re-exported so callers need one import.
export { CorruptFileError, ReadOnlyStoreError } from '@cs/records';
