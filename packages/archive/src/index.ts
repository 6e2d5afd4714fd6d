// Public door of @cs/archive: the input side (detect, decompress, apply, tar-split) and the
// output side (changes, produce, diff size).
export * from './in/index.js';
export * from './out/index.js';
