import type { Readable } from 'node:stream';
import { decompressAs, peekHead } from './decompress.js';
import type { Compression } from './detect.js';
import { type HashedStream, type InputHasher, PLAIN, RAW, inputHasher } from './input-hasher.js';

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
  digests(): Promise<InputDigests>;
  /** Stops the decompressor and the hashing (after a failure downstream). */
  destroy(): void;
}

async function* tap(src: AsyncIterable<Uint8Array>, hasher: InputHasher, stream: HashedStream, count: { bytes: number }): AsyncGenerator<Uint8Array> {
  for await (const c of src) {
    count.bytes += c.byteLength;
    const wait = hasher.update(stream, c);
    if (wait !== undefined) await wait;
    yield c;
  }
}

/**
 * Output of a decompressor buffered ahead of the apply: the decompressor (zlib on libuv's pool, or
 * a child process) keeps running while the applying thread works through what it produced.
 */
const DECOMPRESSED_AHEAD = 8 << 20;

/** What a compressed layer is assumed to inflate to, per byte, when choosing where to hash. */
const INFLATE_RATIO = 3;

/**
 * Detects the compression of `input` and decompresses it, hashing the raw and the plain bytes as
 * they pass. `inputSize` (bytes of `input`, when known) picks where the hashing runs.
 */
export async function decodeInput(input: AsyncIterable<Uint8Array>, inputSize?: number): Promise<DecodedInput> {
  const raw = { bytes: 0 };
  const head = await peekHead(input); // the head's chunks come again first from `rest`: hashed there
  const compression = head.compression;
  const hasher = inputHasher(inputSize === undefined ? undefined : compression === 'none' ? inputSize : inputSize * (1 + INFLATE_RATIO));
  const rest = tap(head.rest, hasher, RAW, raw);
  if (compression === 'none') {
    return {
      compression,
      plain: rest,
      async digests() {
        const [hex] = await hasher.digests();
        const digest = `sha256:${hex}`;
        return { compression, compressedDigest: digest, compressedSize: raw.bytes, uncompressedDigest: digest, uncompressedSize: raw.bytes };
      },
      destroy: () => hasher.close(),
    };
  }
  let stream: Readable;
  try {
    stream = decompressAs(compression, rest, DECOMPRESSED_AHEAD);
  } catch (err) {
    hasher.close();
    throw err;
  }
  const plain = { bytes: 0 };
  return {
    compression,
    plain: tap(stream, hasher, PLAIN, plain),
    async digests() {
      const [rawHex, plainHex] = await hasher.digests();
      return {
        compression,
        compressedDigest: `sha256:${rawHex}`,
        compressedSize: raw.bytes,
        uncompressedDigest: `sha256:${plainHex}`,
        uncompressedSize: plain.bytes,
      };
    },
    destroy: () => {
      stream.destroy();
      hasher.close();
    },
  };
}
