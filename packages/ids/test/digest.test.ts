import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import {
  Digester,
  digestOf,
  digestStream,
  EMPTY_SHA256,
  InvalidDigestError,
  isValidDigest,
  parseDigest,
} from '../src/index.js';

const sha256Hex = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

describe('digestOf', () => {
  it('matches the known sha256 of empty input and of "abc"', () => {
    expect(digestOf(Buffer.alloc(0))).toBe(EMPTY_SHA256);
    expect(digestOf('abc')).toBe('sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });

  it('supports sha512', () => {
    expect(digestOf('abc', 'sha512')).toBe(`sha512:${createHash('sha512').update('abc').digest('hex')}`);
  });

  it('rejects an unsupported algorithm', () => {
    expect(() => digestOf('x', 'md5' as never)).toThrow(InvalidDigestError);
  });
});

describe('digestStream and Digester', () => {
  it('digests a Readable in chunks and counts bytes', async () => {
    const chunks = Array.from({ length: 50 }, (_, i) => Buffer.alloc(1000 + i, i));
    const whole = Buffer.concat(chunks);
    const r = await digestStream(Readable.from(chunks));
    expect(r).toEqual({ digest: `sha256:${sha256Hex(whole)}`, size: whole.length });
  });

  it('handles an empty stream', async () => {
    expect(await digestStream(Readable.from([]))).toEqual({ digest: EMPTY_SHA256, size: 0 });
  });

  it('propagates a stream error', async () => {
    async function* failing() {
      yield Buffer.from('abc');
      throw new Error('boom');
    }
    await expect(digestStream(failing())).rejects.toThrow('boom');
  });

  it('Digester counts bytes of strings as UTF-8 and refuses updates after digest()', () => {
    const d = new Digester();
    d.update('é');
    d.update(new Uint8Array([1, 2, 3]));
    expect(d.size).toBe(5);
    const first = d.digest();
    expect(first).toBe(`sha256:${sha256Hex(Buffer.concat([Buffer.from('é'), Buffer.from([1, 2, 3])]))}`);
    expect(d.digest()).toBe(first);
    expect(() => d.update('x')).toThrow();
  });
});

describe('parseDigest / isValidDigest', () => {
  it('splits valid digests of each supported algorithm', () => {
    expect(parseDigest(EMPTY_SHA256)).toEqual({ algorithm: 'sha256', encoded: EMPTY_SHA256.slice(7) });
    expect(parseDigest(`sha384:${'a'.repeat(96)}`).algorithm).toBe('sha384');
    expect(parseDigest(`sha512:${'0'.repeat(128)}`).algorithm).toBe('sha512');
  });

  it.each([
    ['no colon', 'a'.repeat(64), 'format'],
    ['empty algorithm', `:${'a'.repeat(64)}`, 'format'],
    ['empty encoded', 'sha256:', 'format'],
    ['garbage', 'not a digest', 'format'],
    ['unknown algorithm', `md5:${'a'.repeat(32)}`, 'unsupported'],
    ['uppercase algorithm', `SHA256:${'a'.repeat(64)}`, 'format'],
    ['short sha256', `sha256:${'a'.repeat(63)}`, 'encoding'],
    ['long sha256', `sha256:${'a'.repeat(65)}`, 'encoding'],
    ['uppercase hex', `sha256:${'A'.repeat(64)}`, 'encoding'],
    ['sha384 length for sha512', `sha512:${'a'.repeat(96)}`, 'encoding'],
    ['empty string', '', 'format'],
  ])('rejects %s', (_what, bad, reason) => {
    expect(isValidDigest(bad)).toBe(false);
    let caught: unknown;
    try {
      parseDigest(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidDigestError);
    expect((caught as InvalidDigestError).code).toBe('ERR_INVALID_DIGEST');
    expect((caught as InvalidDigestError).reason).toBe(reason);
  });

  it('isValidDigest is false for non-strings', () => {
    expect(isValidDigest(undefined)).toBe(false);
    expect(isValidDigest(7)).toBe(false);
  });
});
