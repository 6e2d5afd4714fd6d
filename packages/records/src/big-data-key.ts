import path from 'node:path';
import { InvalidBigDataKeyError } from './errors.js';

const PLAIN_KEY_RE = /^[a-z0-9.]+$/;

/**
 * The file name Go uses for a big-data key (on-disk.md §1.5): the key itself when it only has
 * `a-z 0-9 .`, otherwise `=` + standard base64 of its UTF-8 bytes. Go then joins it with path
 * cleaning, which drops trailing `/`; we do the same. Keys Go would write outside the object
 * directory (`.`, `..`, an inner `/` in the base64 text) are refused instead.
 * An empty key fails with Go's ErrInvalidBigDataName text, after `emptyKeyContext` when given (Go
 * words it per call, e.g. "can't set empty name for image big data item").
 */
export function bigDataFileName(key: string, emptyKeyContext?: string): string {
  if (key === '') {
    const sentinel = 'not a valid name for a big data item';
    throw new InvalidBigDataKeyError(emptyKeyContext === undefined ? sentinel : `${emptyKeyContext}: ${sentinel}`);
  }
  if (PLAIN_KEY_RE.test(key)) {
    if (key === '.' || key === '..') throw new InvalidBigDataKeyError(`big data key ${JSON.stringify(key)} names a directory`);
    return key;
  }
  const name = ('=' + Buffer.from(key, 'utf8').toString('base64')).replace(/\/+$/, '');
  if (name.includes('/')) {
    throw new InvalidBigDataKeyError(`big data key ${JSON.stringify(key)} encodes to a path with a directory part (${name})`);
  }
  return name;
}

/** The full path of a big-data item of the object whose directory is `objectDir`. */
export function bigDataPath(objectDir: string, key: string, emptyKeyContext?: string): string {
  return path.join(objectDir, bigDataFileName(key, emptyKeyContext));
}
