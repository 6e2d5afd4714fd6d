// Output side of @cs/archive: changes, producing diff tars, overlay native diff, diff size.
export { ChangeKind, formatChange, type Change } from './change.js';
export { changesBetween, type ChangesOptions } from './changes-tree.js';
export { changesFromOverlayUpper, type OverlayChangesOptions } from './changes-overlay.js';
export { exportChanges, exportTree, exportOverlayUpper, type ExportOptions, type OverlayExportOptions } from './export.js';
export { diffSizeFromChanges, directorySize } from './diff-size.js';
export { compressStream, type OutputCompression } from './compress.js';
export { ParallelGzip, createParallelGzip, GZIP_LEVEL, type ParallelGzipOptions } from './gzip-parallel.js';
export { replayTarSplit } from './tar-split-replay.js';
export { ProduceError, type ProduceErrorCode } from './errors.js';
export { encodeHeader, type TarHeader } from './tar-header.js';
// internal: the export worker's entry point (the worker bootstrap imports the bundle and calls it)
export { _exportWorkerMain } from './worker.js';
