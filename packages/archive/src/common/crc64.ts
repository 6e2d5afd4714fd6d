/**
 * CRC-64/ISO as Go's hash/crc64 with crc64.ISO: reflected polynomial 0xD800000000000000,
 * init and final XOR all ones. Kept as two 32-bit halves (BigInt per byte would be far too
 * slow) with slicing-by-8 tables: eight bytes per step.
 */
const POLY_HI = 0xd8000000;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const HI = new Int32Array(256 * 8);
const LO = new Int32Array(256 * 8);
for (let i = 0; i < 256; i++) {
  let hi = 0;
  let lo = i;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) hi = (hi ^ POLY_HI) >>> 0;
  }
  HI[i] = hi;
  LO[i] = lo;
}
// Table t[k][i] = crc of byte i followed by k zero bytes.
for (let t = 1; t < 8; t++) {
  for (let i = 0; i < 256; i++) {
    const ph = HI[(t - 1) * 256 + i]!;
    const pl = LO[(t - 1) * 256 + i]!;
    const idx = pl & 0xff;
    LO[t * 256 + i] = (((pl >>> 8) | (ph << 24)) ^ LO[idx]!) >>> 0;
    HI[t * 256 + i] = ((ph >>> 8) ^ HI[idx]!) >>> 0;
  }
}

export class Crc64 {
  private hi = -1;
  private lo = -1;

  update(data: Uint8Array): this {
    let hi = this.hi;
    let lo = this.lo;
    const H = HI;
    const L = LO;
    const n = data.length;
    let i = 0;
    // Read whole 32-bit words when the view is aligned (little-endian hosts): far fewer loads.
    if (LITTLE_ENDIAN && n >= 64) {
      const lead = (4 - (data.byteOffset & 3)) & 3;
      for (; i < lead; i++) {
        const idx = (lo ^ data[i]!) & 0xff;
        lo = ((lo >>> 8) | (hi << 24)) ^ L[idx]!;
        hi = (hi >>> 8) ^ H[idx]!;
      }
      const words = new Int32Array(data.buffer, data.byteOffset + i, (n - i) >>> 3 << 1);
      for (let w = 0; w < words.length; w += 2) {
        const l = lo ^ words[w]!;
        const h = hi ^ words[w + 1]!;
        lo = L[7 * 256 + (l & 0xff)]! ^ L[6 * 256 + ((l >>> 8) & 0xff)]! ^ L[5 * 256 + ((l >>> 16) & 0xff)]! ^ L[4 * 256 + (l >>> 24)]! ^
          L[3 * 256 + (h & 0xff)]! ^ L[2 * 256 + ((h >>> 8) & 0xff)]! ^ L[256 + ((h >>> 16) & 0xff)]! ^ L[h >>> 24]!;
        hi = H[7 * 256 + (l & 0xff)]! ^ H[6 * 256 + ((l >>> 8) & 0xff)]! ^ H[5 * 256 + ((l >>> 16) & 0xff)]! ^ H[4 * 256 + (l >>> 24)]! ^
          H[3 * 256 + (h & 0xff)]! ^ H[2 * 256 + ((h >>> 8) & 0xff)]! ^ H[256 + ((h >>> 16) & 0xff)]! ^ H[h >>> 24]!;
      }
      i += words.length * 4;
    }
    const end8 = i + ((n - i) - ((n - i) % 8));
    for (; i < end8; i += 8) {
      const l = lo ^ (data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24));
      const h = hi ^ (data[i + 4]! | (data[i + 5]! << 8) | (data[i + 6]! << 16) | (data[i + 7]! << 24));
      const a0 = 7 * 256 + (l & 0xff);
      const a1 = 6 * 256 + ((l >>> 8) & 0xff);
      const a2 = 5 * 256 + ((l >>> 16) & 0xff);
      const a3 = 4 * 256 + (l >>> 24);
      const a4 = 3 * 256 + (h & 0xff);
      const a5 = 2 * 256 + ((h >>> 8) & 0xff);
      const a6 = 256 + ((h >>> 16) & 0xff);
      const a7 = h >>> 24;
      lo = L[a0]! ^ L[a1]! ^ L[a2]! ^ L[a3]! ^ L[a4]! ^ L[a5]! ^ L[a6]! ^ L[a7]!;
      hi = H[a0]! ^ H[a1]! ^ H[a2]! ^ H[a3]! ^ H[a4]! ^ H[a5]! ^ H[a6]! ^ H[a7]!;
    }
    for (; i < n; i++) {
      const idx = (lo ^ data[i]!) & 0xff;
      lo = ((lo >>> 8) | (hi << 24)) ^ L[idx]!;
      hi = (hi >>> 8) ^ H[idx]!;
    }
    this.hi = hi | 0;
    this.lo = lo | 0;
    return this;
  }

  /** 8 bytes, big-endian, as tar-split stores it. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE((~this.hi) >>> 0, 0);
    out.writeUInt32BE((~this.lo) >>> 0, 4);
    return out;
  }
}

export function crc64(data: Uint8Array): Buffer {
  return new Crc64().update(data).digest();
}
