// Public door of @cs/drivers: the graph driver contract, the registry, option parsing and the
// shared naive diff.
export type {
  ApplyDiffOpts,
  ApplyResult,
  Change,
  CreateOpts,
  DiffOpts,
  Driver,
  DriverFactory,
  DriverInitOpts,
  IDMap,
  MountOpts,
  ResolvedDriverInitOpts,
  StagedLayer,
} from './types.js';
export { dedupDirs, DEDUP_HASH_METHODS, type DedupHashMethod, type DedupOptions, type DedupResult } from './dedup.js';
export { DriverError, isErrno, layerNotExist, unknownDriver, type DriverErrorCode } from './errors.js';
export { assertLayerId } from './layer-id.js';
export {
  parseBool,
  parseForceMask,
  parseKeyValueOpt,
  splitDriverOptions,
  splitMountOptions,
  type DriverOption,
} from './options.js';
export { canonicalDriverName, openDriver, registerDriver, registeredDrivers, resolveInitOpts } from './registry.js';
export { findMount, isMountPoint, mountsUnder, parseMountInfo, readMountTable, type MountEntry } from './mountinfo.js';
export { NaiveDiff, type NaiveApplyDefaults, type NaiveDiffHost } from './naive-diff.js';
export { hostRootIds, mapToHost } from './idmap.js';
export { TempDir, recoverStaleTempDirs } from './tempdir.js';
