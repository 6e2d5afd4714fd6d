import { truncated } from '../common/errors.js';

/**
 * Pull-based reader over an async chunk stream that hands out views (no copies) when the
 * bytes sit in one chunk. Every chunk pulled is reported to `onChunk` (digests, sizes).
 */
export class ByteSource {
  private chunk: Buffer = Buffer.alloc(0);
  private off = 0;
  private done = false;
  private readonly it: AsyncIterator<Uint8Array>;

  constructor(
    src: AsyncIterable<Uint8Array>,
    private readonly onChunk?: (chunk: Buffer) => void,
  ) {
    this.it = src[Symbol.asyncIterator]();
  }

  get buffered(): number {
    return this.chunk.length - this.off;
  }

  /** Pulls the next non-empty chunk; false at EOF. */
  private async pull(): Promise<boolean> {
    while (!this.done) {
      const r = await this.it.next();
      if (r.done) {
        this.done = true;
        return false;
      }
      const v = r.value;
      if (v.byteLength === 0) continue;
      const b = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.byteLength);
      this.onChunk?.(b);
      this.chunk = b;
      this.off = 0;
      return true;
    }
    return false;
  }

  /**
   * Exactly n bytes; null when EOF comes before the first byte (a clean boundary);
   * ERR_ARCHIVE_TRUNCATED when it comes in the middle.
   */
  async readExact(n: number, what?: string): Promise<Buffer | null> {
    if (this.chunk.length - this.off >= n) {
      const out = this.chunk.subarray(this.off, this.off + n);
      this.off += n;
      return out;
    }
    const parts: Buffer[] = [];
    let have = 0;
    while (have < n) {
      if (this.chunk.length - this.off === 0 && !(await this.pull())) {
        if (have === 0) return null;
        throw truncated(what);
      }
      const take = Math.min(n - have, this.chunk.length - this.off);
      parts.push(this.chunk.subarray(this.off, this.off + take));
      this.off += take;
      have += take;
    }
    return parts.length === 1 ? parts[0]! : Buffer.concat(parts, n);
  }

  /** Up to `max` bytes (at least one), a view into the current chunk; null at EOF. */
  async readSome(max: number): Promise<Buffer | null> {
    if (this.chunk.length - this.off === 0 && !(await this.pull())) return null;
    const take = Math.min(max, this.chunk.length - this.off);
    const out = this.chunk.subarray(this.off, this.off + take);
    this.off += take;
    return out;
  }
}
