import { InvalidLayerIDError } from './errors.js';

const ID_WHITESPACE = /\s/;
const RESERVED_IDS = new Set(['l', 'dir', 'staging', 'tempdirs', 'tmp', 'layers.json', 'layers.lock', 'volatile-layers.json']);

/** IDs become directory and file names: refuse those that would escape or collide. */
export function assertUsableID(id: string): void {
  if (id === '') throw new InvalidLayerIDError(id, 'empty');
  if (id.includes('/') || id.includes('\0')) throw new InvalidLayerIDError(id, 'contains "/" or NUL');
  if (id.startsWith('.')) throw new InvalidLayerIDError(id, 'starts with "."');
  if (ID_WHITESPACE.test(id)) throw new InvalidLayerIDError(id, 'contains white space');
  // Names used beside layer directories in the driver home and beside big-data dirs in the store.
  if (RESERVED_IDS.has(id) || id.endsWith('.tar-split.gz')) throw new InvalidLayerIDError(id, 'reserved name');
}
