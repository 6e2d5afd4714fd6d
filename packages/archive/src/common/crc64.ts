/**
 * CRC-64/ISO as Go's hash/crc64 with crc64.ISO (what tar-split records per file). The bytes are
 * hashed natively by @cs/sys (carry-less multiply, no copy); this class only holds the running value.
 */
import { crc64IsoUpdate } from '@cs/sys';

export class Crc64 {
  /** Go's crc value as [high 32 bits, low 32 bits]; the addon updates it in place. */
  private readonly state = new Uint32Array(2);

  update(data: Uint8Array): this {
    crc64IsoUpdate(this.state, data);
    return this;
  }

  /** 8 bytes, big-endian, as tar-split stores it. */
  digest(): Buffer {
    const out = Buffer.allocUnsafe(8);
    out.writeUInt32BE(this.state[0]!, 0);
    out.writeUInt32BE(this.state[1]!, 4);
    return out;
  }
}

export function crc64(data: Uint8Array): Buffer {
  return new Crc64().update(data).digest();
}
