import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { Crc64, crc64 } from '../../src/common/crc64.js';

/** Bit-by-bit reference with BigInt (slow, obviously right). */
function reference(data: Uint8Array): Buffer {
  let crc = 0xffffffffffffffffn;
  for (const b of data) {
    crc ^= BigInt(b);
    for (let k = 0; k < 8; k++) crc = crc & 1n ? (crc >> 1n) ^ 0xd800000000000000n : crc >> 1n;
  }
  crc ^= 0xffffffffffffffffn;
  const out = Buffer.alloc(8);
  out.writeBigUInt64BE(crc);
  return out;
}

describe('CRC-64/ISO', () => {
  it('matches the check value and the spec example', () => {
    expect(crc64(Buffer.from('123456789')).toString('hex')).toBe('b90956c775a41001');
    expect(crc64(Buffer.from('hello\n')).toString('base64')).toBe('YUw+7uLYEAA=');
    expect(crc64(Buffer.alloc(0)).toString('hex')).toBe('0000000000000000');
  });
  it('agrees with a bitwise reference for every length and any split', () => {
    const data = randomBytes(300);
    for (let n = 0; n <= 40; n++) expect(crc64(data.subarray(0, n))).toEqual(reference(data.subarray(0, n)));
    const c = new Crc64();
    c.update(data.subarray(0, 13)).update(data.subarray(13, 150)).update(data.subarray(150));
    expect(c.digest()).toEqual(reference(data));
  });
});

describe('CRC-64/ISO word path', () => {
  it('gives the same result at every alignment and length', () => {
    const big = randomBytes(4096 + 16);
    for (const off of [0, 1, 2, 3, 5, 8]) {
      for (const len of [63, 64, 65, 200, 1000, 4096]) {
        const view = big.subarray(off, off + len);
        expect(crc64(view)).toEqual(reference(view));
      }
    }
  });
});
