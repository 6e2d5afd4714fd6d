import { InvalidIDError } from './errors.js';

const ID_PATTERN = /^[0-9a-f]{64}$/;
const ALL_DIGITS = /^[0-9]+$/;

// node:crypto is fetched on first use (sync, cached by Node): loading it at start-up costs ~5 ms of CPU.
const crypto = () => process.getBuiltinModule('node:crypto');

/** Length of the short form of an ID shown by the CLI. */
export const SHORT_ID_LENGTH = 12;

/**
 * A fresh ID: 32 bytes from the CSPRNG as 64 lowercase hex characters.
 * Like upstream, an ID whose 12-character short form is all digits is redrawn,
 * because a short ID must never look like a number (it is used as a hostname).
 */
export function generateID(): string {
  for (;;) {
    const id = crypto().randomBytes(32).toString('hex');
    if (!ALL_DIGITS.test(id.slice(0, SHORT_ID_LENGTH))) return id;
  }
}

/** True for exactly 64 lowercase hex characters, the only IDs this library creates. */
export function isValidID(id: unknown): boolean {
  return typeof id === 'string' && ID_PATTERN.test(id);
}

/** Throws InvalidIDError (code 'ERR_INVALID_ID') unless `id` is 64 lowercase hex characters. */
export function assertValidID(id: unknown): asserts id is string {
  if (typeof id !== 'string') throw new InvalidIDError(String(id), 'not a string');
  if (!ID_PATTERN.test(id)) throw new InvalidIDError(id, 'must be 64 lowercase hexadecimal characters');
}

/** The short form shown by the CLI: the part after any `algorithm:` prefix, cut to 12 characters. */
export function truncateID(id: string): string {
  const colon = id.indexOf(':');
  const bare = colon >= 0 ? id.slice(colon + 1) : id;
  return bare.slice(0, SHORT_ID_LENGTH);
}
