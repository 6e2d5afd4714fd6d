import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc64IsoUpdate } from '../src/index.js';

// Bit-at-a-time reference of Go's crc64.Update with the ISO table (reflected 0xD800000000000000, ^crc on entry and exit).
function referenceCrc(crc: bigint, data: Uint8Array): bigint {
  const MASK = (1n << 64n) - 1n;
  let c = ~crc & MASK;
  for (const byte of data) {
    c ^= BigInt(byte);
    for (let k = 0; k < 8; k++) c = c & 1n ? (c >> 1n) ^ 0xd800000000000000n : c >> 1n;
  }
  return ~c & MASK;
}

function update(crc: bigint, data: ArrayBufferView): bigint {
  const state = new Uint32Array([Number(crc >> 32n), Number(crc & 0xffffffffn)]);
  crc64IsoUpdate(state, data);
  return (BigInt(state[0]!) << 32n) | BigInt(state[1]!);
}

describe('crc64IsoUpdate', () => {
  it('matches the known vectors of Go hash/crc64 (ISO)', () => {
    expect(update(0n, Buffer.from(''))).toBe(0n);
    expect(update(0n, Buffer.from('a'))).toBe(0x3420000000000000n);
    expect(update(0n, Buffer.from('123456789'))).toBe(0xb90956c775a41001n);
  });

  it('agrees with a bitwise reference on random data, offsets, lengths and running values', () => {
    const pool = randomBytes(4096 + 64);
    for (let i = 0; i < 300; i++) {
      const offset = i % 17;
      const length = (i * 37) % 4000; // short (tables) and long (folding) paths
      const start = BigInt.asUintN(64, BigInt(i) * 0x9e3779b97f4a7c15n);
      const view = pool.subarray(offset, offset + length);
      expect(update(start, view)).toBe(referenceCrc(start, view));
    }
  });

  it('gives the same result in one call or in pieces', () => {
    const data = randomBytes(3 << 20);
    const whole = update(0n, data);
    let running = 0n;
    for (let at = 0; at < data.length;) {
      const step = Math.min(data.length - at, 1 + ((at * 7919) % 100_000));
      running = update(running, data.subarray(at, at + step));
      at += step;
    }
    expect(running).toBe(whole);
    const head = data.subarray(0, 65536);
    expect(update(0n, head)).toBe(referenceCrc(0n, head));
  });

  it('reads any view of the bytes where they lie (other typed arrays, DataView)', () => {
    const bytes = randomBytes(1024);
    const expected = update(0n, bytes.subarray(8, 1000));
    expect(update(0n, new Uint32Array(bytes.buffer, bytes.byteOffset + 8, 248))).toBe(expected);
    expect(update(0n, new DataView(bytes.buffer, bytes.byteOffset + 8, 992))).toBe(expected);
  });

  it('rejects a bad state or bad data with a TypeError', () => {
    const data = Buffer.from('x');
    for (const bad of [new Uint32Array(1), new Uint8Array(8), [0, 0], undefined]) {
      expect(() => crc64IsoUpdate(bad as unknown as Uint32Array, data)).toThrow(expect.objectContaining({ name: 'TypeError', code: 'ERR_INVALID_ARG_TYPE' }));
    }
    for (const bad of ['x', 42, null, undefined, new ArrayBuffer(4)]) {
      expect(() => crc64IsoUpdate(new Uint32Array(2), bad as unknown as Uint8Array)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    }
  });
});
