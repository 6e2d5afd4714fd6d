// Input side of @cs/archive: detect, decompress, digest, apply, tar-split record and replay.
export { ArchiveError, type ArchiveErrorCode } from '../common/errors.js';
export { type IDMap, toHostID, toContainerID } from '../common/idmap.js';
export { Crc64, crc64 } from '../common/crc64.js';
export { type Compression, detectCompression, compressionCode } from './detect.js';
export { decompress, canDecompress } from './decompress.js';
export type { ApplyOptions, ApplyResult } from './apply-options.js';
export { applyTar } from './apply.js';
export { INPUT_SIZE, withInputSize } from './input-size.js';
export { readTarSplit, type TarSplitRecord } from './tar-split-reader.js';
export { assembleFromTarSplit } from './tar-split-worker.js';
