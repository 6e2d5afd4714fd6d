import { InvalidIDError } from '@cs/ids';

/** Names without repeats, first occurrence kept (Go dedupeNames). */
export function dedupeNames(names: readonly string[]): string[] {
  return [...new Set(names)];
}

/**
 * Record IDs become directory names (big data, userdata). Go accepts any string; we refuse
 * the ones that would leave the store directory or that prefix lookups cannot handle.
 */
export function assertStorableID(id: string): void {
  if (id === '' || id === '.' || id === '..' || id.includes('/') || id.includes('\0') || /\s/.test(id)) {
    throw new InvalidIDError(id, 'an ID must be non-empty, must not contain "/", NUL or white space, nor be "." or ".."');
  }
}
