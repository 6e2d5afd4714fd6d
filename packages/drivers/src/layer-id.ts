import { DriverError } from './errors.js';

/** Names that live beside the layer directories in a driver home and must never be used as layer IDs. */
const RESERVED = new Set(['', '.', '..', 'l', 'staging', 'tempdirs', 'dir']);

/**
 * Rejects IDs that would escape or collide inside the driver home. Layer IDs are normally 64 hex
 * characters, but the Go code accepts any name without a slash, so we do too.
 */
export function assertLayerId(id: string): void {
  if (typeof id !== 'string' || RESERVED.has(id) || id.includes('/') || id.includes('\0') || id.startsWith('.')) {
    throw new DriverError('ERR_INVALID_LAYER_ID', `invalid layer ID ${JSON.stringify(id)}`);
  }
}
