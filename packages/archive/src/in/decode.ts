import { createHash } from 'node:crypto';
import type { Readable } from 'node:stream';
import { decompressAs, peekHead } from './decompress.js';
import type { Compression } from './detect.js';

/** What the layer record keeps about the input stream (layer-diff.md §1.4). */
export interface InputDigests {
  compression: Compression;
  compressedDigest: string;
  compressedSize: number;
  uncompressedDigest: string;
  uncompressedSize: number;
}

/** An input stream with its compression detected and undone, digested on the way. */
export interface DecodedInput {
  compression: Compression;
  /** The uncompressed tar stream. */
  plain: AsyncIterable<Uint8Array>;
  /** The digests and sizes, once `plain` was read to its end. */
  digests(): InputDigests;
  /** Stops the decompressor (after a failure downstream). */
  destroy(): void;
}

async function* tap(src: AsyncIterable<Uint8Array>, onChunk: (c: Uint8Array) => void): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    onChunk(c);
    yield c;
  }
}

/** Detects the compression of `input` and decompresses it, hashing the raw and the plain bytes as they pass. */
export async function decodeInput(input: AsyncIterable<Uint8Array>): Promise<DecodedInput> {
  const rawHash = createHash('sha256');
  let rawSize = 0;
  const { rest, compression } = await peekHead(
    tap(input, (c) => {
      rawHash.update(c);
      rawSize += c.byteLength;
    }),
  );
  if (compression === 'none') {
    return {
      compression,
      plain: rest,
      digests() {
        const digest = `sha256:${rawHash.digest('hex')}`;
        return { compression, compressedDigest: digest, compressedSize: rawSize, uncompressedDigest: digest, uncompressedSize: rawSize };
      },
      destroy: () => undefined,
    };
  }
  const stream: Readable = decompressAs(compression, rest);
  const plainHash = createHash('sha256');
  let plainSize = 0;
  return {
    compression,
    plain: tap(stream, (c) => {
      plainHash.update(c);
      plainSize += c.byteLength;
    }),
    digests: () => ({
      compression,
      compressedDigest: `sha256:${rawHash.digest('hex')}`,
      compressedSize: rawSize,
      uncompressedDigest: `sha256:${plainHash.digest('hex')}`,
      uncompressedSize: plainSize,
    }),
    destroy: () => stream.destroy(),
  };
}
