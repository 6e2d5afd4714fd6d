import type { Hash } from 'node:crypto';
import { InvalidDigestError } from './errors.js';

/** `algorithm:encoded`, e.g. 'sha256:<64 hex>'. */
export type Digest = string;
export type DigestAlgorithm = 'sha256' | 'sha384' | 'sha512';

/** Hex length of the encoded part, per algorithm (go-digest's registered algorithms). */
const ENCODED_LENGTH: Record<DigestAlgorithm, number> = { sha256: 64, sha384: 96, sha512: 128 };
/** go-digest's general shape; a string matching it with an unknown algorithm is "unsupported", not malformed. */
const DIGEST_SHAPE = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;
const LOWER_HEX = /^[0-9a-f]+$/;

/** The sha256 digest of zero bytes. */
export const EMPTY_SHA256: Digest = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function isAlgorithm(s: string): s is DigestAlgorithm {
  return Object.hasOwn(ENCODED_LENGTH, s);
}

/**
 * Splits and validates a digest the way go-digest's Validate does.
 * Throws InvalidDigestError (code 'ERR_INVALID_DIGEST').
 */
export function parseDigest(s: string): { algorithm: DigestAlgorithm; encoded: string } {
  if (typeof s !== 'string') throw new InvalidDigestError(String(s), 'format', 'not a string');
  const colon = s.indexOf(':');
  if (colon <= 0 || colon === s.length - 1) {
    throw new InvalidDigestError(s, 'format', 'expected "algorithm:encoded"');
  }
  const algorithm = s.slice(0, colon);
  const encoded = s.slice(colon + 1);
  if (!isAlgorithm(algorithm)) {
    if (!DIGEST_SHAPE.test(s)) throw new InvalidDigestError(s, 'format', 'expected "algorithm:encoded"');
    throw new InvalidDigestError(s, 'unsupported', `unsupported digest algorithm ${JSON.stringify(algorithm)}`);
  }
  const want = ENCODED_LENGTH[algorithm];
  if (encoded.length !== want || !LOWER_HEX.test(encoded)) {
    throw new InvalidDigestError(s, 'encoding', `${algorithm} needs ${want} lowercase hexadecimal characters`);
  }
  return { algorithm, encoded };
}

/** True when parseDigest would accept `s`. */
export function isValidDigest(s: unknown): boolean {
  if (typeof s !== 'string') return false;
  try {
    parseDigest(s);
    return true;
  } catch {
    return false;
  }
}

/** Throws InvalidDigestError unless `s` is a valid digest. */
export function assertValidDigest(s: unknown): asserts s is Digest {
  parseDigest(s as string);
}

/** Incremental digest of a byte sequence that also counts the bytes. */
export class Digester {
  readonly algorithm: DigestAlgorithm;
  #hash: Hash;
  #size = 0;
  #result: Digest | undefined;

  constructor(algorithm: DigestAlgorithm = 'sha256') {
    if (!isAlgorithm(algorithm)) {
      throw new InvalidDigestError(`${String(algorithm)}:`, 'unsupported', `unsupported digest algorithm ${JSON.stringify(algorithm)}`);
    }
    this.algorithm = algorithm;
    this.#hash = process.getBuiltinModule('node:crypto').createHash(algorithm);
  }

  update(chunk: Uint8Array | string): void {
    if (this.#result !== undefined) throw new Error('Digester.update() called after digest()');
    this.#hash.update(chunk);
    this.#size += typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.byteLength;
  }

  /** Number of bytes fed so far. */
  get size(): number {
    return this.#size;
  }

  /** The digest of everything fed; may be called repeatedly, no updates after the first call. */
  digest(): Digest {
    this.#result ??= `${this.algorithm}:${this.#hash.digest('hex')}`;
    return this.#result;
  }
}

/** Digest of a buffer or a string (UTF-8). */
export function digestOf(data: Uint8Array | string, algorithm: DigestAlgorithm = 'sha256'): Digest {
  const d = new Digester(algorithm);
  d.update(data);
  return d.digest();
}

/** Digest and byte count of a whole stream (any async iterable of bytes, e.g. a Readable). */
export async function digestStream(
  src: AsyncIterable<Uint8Array | string>,
  algorithm: DigestAlgorithm = 'sha256',
): Promise<{ digest: Digest; size: number }> {
  const d = new Digester(algorithm);
  for await (const chunk of src) d.update(chunk);
  return { digest: d.digest(), size: d.size };
}
