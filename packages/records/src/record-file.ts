import { readFileWithMtime } from './read-small.js';
import { atomicWriteFile, type AtomicWriteOptions } from './atomic-write.js';
import { CorruptFileError, RecordsError } from './errors.js';
import { encodeGoJSON, type GoValue } from './json-encode.js';
import { parseJSON } from './json-parse.js';
import type { JSONValue } from './json-value.js';

/**
 * Read a store file holding a JSON array of records. A missing or empty file (and `null`) is an
 * empty list, as in Go. Anything that does not decode throws CorruptFileError naming the file:
 * never a silently shortened list (on-disk.md §2.7).
 */
export async function readRecordArray<T>(file: string, decode: (value: JSONValue, where: string) => T): Promise<T[]> {
  const got = await readFileWithMtime(file);
  if (got === null) return [];
  return decodeRecordArray(file, got.bytes, decode);
}

/** The decoding half of readRecordArray, for callers that already hold the bytes. */
export function decodeRecordArray<T>(file: string, bytes: Uint8Array, decode: (value: JSONValue, where: string) => T): T[] {
  if (bytes.length === 0) return [];
  let top: JSONValue;
  try {
    top = parseJSON(new TextDecoder('utf-8').decode(bytes));
  } catch (err) {
    throw new CorruptFileError(file, (err as Error).message, { cause: err });
  }
  if (top === null) return [];
  if (!Array.isArray(top)) throw new CorruptFileError(file, 'the top-level value is not an array');
  return top.map((value, i) => {
    try {
      return decode(value, `record ${i}`);
    } catch (err) {
      if (err instanceof RecordsError) throw new CorruptFileError(file, err.message, { cause: err });
      throw err;
    }
  });
}

/** Write records as a compact Go-style JSON array, atomically (`[]` when there are none). */
export async function writeRecordArray<T>(
  file: string,
  records: readonly T[],
  encode: (record: T) => GoValue,
  opts: AtomicWriteOptions = {},
): Promise<void> {
  await atomicWriteFile(file, encodeGoJSON(records.map(encode)), opts);
}
