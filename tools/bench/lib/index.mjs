export * from './tsv.mjs';
export * from './goals.mjs';
