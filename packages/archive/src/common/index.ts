export * from './errors.js';
export * from './idmap.js';
export * from './crc64.js';
export * from './paths.js';
