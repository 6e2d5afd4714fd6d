import { promises as fs } from 'node:fs';
import { Digester, type Digest } from '@cs/ids';
import { atomicWriteFile, atomicWriteStream } from './atomic-write.js';
import { bigDataPath } from './big-data-key.js';

/**
 * Store one big-data item of an object: creates the object directory (0700) if needed, then
 * writes `<objectDir>/<encoded key>` atomically (0600, fdatasync). Bytes or a stream; returns
 * the size and SHA-256 digest of what was written. A bad key throws before anything is created.
 */
export async function writeBigDataFile(
  objectDir: string,
  key: string,
  data: Uint8Array | string | AsyncIterable<Uint8Array>,
): Promise<{ path: string; size: number; digest: Digest }> {
  const file = bigDataPath(objectDir, key);
  await fs.mkdir(objectDir, { recursive: true, mode: 0o700 });
  const digester = new Digester();
  if (typeof data === 'string' || data instanceof Uint8Array) {
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    digester.update(bytes);
    await atomicWriteFile(file, bytes);
  } else {
    await atomicWriteStream(file, tee(data, digester));
  }
  return { path: file, size: digester.size, digest: digester.digest() };
}

async function* tee(src: AsyncIterable<Uint8Array>, digester: Digester): AsyncIterable<Uint8Array> {
  for await (const chunk of src) {
    digester.update(chunk);
    yield chunk;
  }
}
