import { isUtf8 } from 'node:buffer';
import { createGzip } from 'node:zlib';
import type { RawSink } from './tar-reader.js';

/** Flush a raw segment once it grows past this (split points do not matter, §1.7). */
const SEGMENT_LIMIT = 1 << 20;
/** JSON lines are written straight into batches of this size, each handed to gzip once full. */
const GZIP_WRITE_BATCH = 256 * 1024;
/** Segments up to this size are gathered in a reused scratch buffer rather than a fresh concat. */
const SCRATCH_SIZE = 64 * 1024;
/** Up to this size (CRCs, names) base64 is encoded in place; beyond, Node's native encoder wins despite its string. */
const INLINE_BASE64_LIMIT = 48;

const BASE64 = Buffer.from('ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/', 'latin1');
const EQ = 0x3d;

/** The fixed pieces of the JSON lines, as bytes (copied with a byte loop: Buffer.write costs more for a few bytes). */
const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const SEGMENT_OPEN = ascii('{"type":2,"payload":"');
const POSITION = ascii('","position":');
const LINE_END = ascii('}\n');
const FILE_OPEN = ascii('{"type":1');
const NAME = ascii(',"name":"');
const NAME_RAW = ascii(',"name_raw":"');
const SIZE = ascii(',"size":');
const PAYLOAD = ascii(',"payload":"');
const NO_PAYLOAD = ascii(',"payload":null,"position":');
/** Longest decimal a safe integer needs. */
const MAX_DIGITS = 16;

/** Go's encoding/json escapes these in strings; readers accept either form. */
export function goJSONString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s) && !/["\\<>&]/.test(s)) return `"${s}"`; // the common case
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/** Printable ASCII that Go's JSON encoder writes as is: the bytes are their own JSON string body. */
function isPlainJSON(name: Uint8Array): boolean {
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c || c === 0x3c || c === 0x3e || c === 0x26) return false;
  }
  return true;
}

/**
 * Records the tar-split stream (vbatts/tar-split JSON packer, on-disk.md §1.7) while a tar is
 * read: raw bytes become type-2 segments, members become type-1 file entries with a CRC-64.
 * Lines are encoded as bytes into one batch buffer (no per-entry strings: tens of thousands of
 * entries per layer made those, and the garbage they left, a visible share of apply time).
 */
export class TarSplitWriter implements RawSink {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private position = 0;
  private batch = Buffer.allocUnsafe(GZIP_WRITE_BATCH);
  private used = 0;
  private readonly scratch = Buffer.allocUnsafe(SCRATCH_SIZE);
  private readonly gzip = createGzip({ level: 1, chunkSize: 64 * 1024 });
  private readonly out: Buffer[] = [];
  private readonly finished: Promise<Buffer>;

  constructor() {
    this.gzip.on('data', (c: Buffer) => this.out.push(c));
    this.finished = new Promise((resolve, reject) => {
      this.gzip.on('end', () => resolve(Buffer.concat(this.out)));
      this.gzip.on('error', reject);
    });
    this.finished.catch(() => undefined);
  }

  raw(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.pending.push(bytes);
    this.pendingLen += bytes.length;
    if (this.pendingLen >= SEGMENT_LIMIT) this.flushSegment();
  }

  /** Makes room for n more bytes; a full batch goes to gzip (which keeps it: never reused). */
  private room(n: number): void {
    if (this.used + n <= this.batch.length) return;
    if (this.used > 0) this.gzip.write(this.batch.subarray(0, this.used));
    this.batch = Buffer.allocUnsafe(Math.max(GZIP_WRITE_BATCH, n));
    this.used = 0;
  }

  /** ASCII text. */
  private text(s: string): void {
    this.room(s.length);
    this.used += this.batch.write(s, this.used, 'latin1');
  }

  /** Fixed ASCII bytes. */
  private put(bytes: Uint8Array): void {
    this.room(bytes.length);
    const b = this.batch;
    let o = this.used;
    for (let i = 0; i < bytes.length; i++) b[o++] = bytes[i]!;
    this.used = o;
  }

  /** A non-negative integer in decimal. */
  private int(n: number): void {
    this.room(MAX_DIGITS);
    const b = this.batch;
    let digits = 1;
    for (let x = n; x >= 10; x = Math.floor(x / 10)) digits++;
    let o = this.used + digits;
    this.used = o;
    do {
      const q = Math.floor(n / 10);
      b[--o] = 0x30 + (n - q * 10);
      n = q;
    } while (n > 0);
  }

  private base64(data: Uint8Array): void {
    const n = data.length;
    if (n > INLINE_BASE64_LIMIT) {
      this.text(Buffer.from(data.buffer, data.byteOffset, n).toString('base64'));
      return;
    }
    this.room(((n + 2) / 3 | 0) * 4);
    const b = this.batch;
    let o = this.used;
    let i = 0;
    for (const end = n - 2; i < end; i += 3) {
      const v = (data[i]! << 16) | (data[i + 1]! << 8) | data[i + 2]!;
      b[o++] = BASE64[v >>> 18]!;
      b[o++] = BASE64[(v >>> 12) & 63]!;
      b[o++] = BASE64[(v >>> 6) & 63]!;
      b[o++] = BASE64[v & 63]!;
    }
    if (i < n) {
      const v = (data[i]! << 16) | (i + 1 < n ? data[i + 1]! << 8 : 0);
      b[o++] = BASE64[v >>> 18]!;
      b[o++] = BASE64[(v >>> 12) & 63]!;
      b[o++] = i + 1 < n ? BASE64[(v >>> 6) & 63]! : EQ;
      b[o++] = EQ;
    }
    this.used = o;
  }

  private flushSegment(): void {
    if (this.pendingLen === 0) return;
    let data: Buffer;
    if (this.pending.length === 1) data = this.pending[0]!;
    else if (this.pendingLen <= SCRATCH_SIZE) {
      let at = 0;
      for (const p of this.pending) at += p.copy(this.scratch, at);
      data = this.scratch.subarray(0, at);
    } else data = Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    this.put(SEGMENT_OPEN);
    this.base64(data);
    this.put(POSITION);
    this.int(this.position++);
    this.put(LINE_END);
  }

  /** A member: `size` is the number of data bytes in the stream, `crc` their CRC-64 (null if none). */
  file(name: Buffer, size: number, crc: Buffer | null): void {
    this.flushSegment();
    this.put(FILE_OPEN);
    if (name.length > 0) {
      if (isPlainJSON(name)) {
        this.put(NAME);
        this.room(name.length + 1);
        this.put(name);
        this.batch[this.used++] = 0x22;
      } else if (isUtf8(name)) {
        const json = `,"name":${goJSONString(name.toString('utf8'))}`;
        const n = Buffer.byteLength(json);
        this.room(n);
        this.used += this.batch.write(json, this.used, 'utf8');
      } else {
        this.put(NAME_RAW);
        this.base64(name);
        this.text('"');
      }
    }
    if (size > 0) {
      this.put(SIZE);
      this.int(size);
    }
    if (size > 0 && crc !== null) {
      this.put(PAYLOAD);
      this.base64(crc);
      this.put(POSITION);
    } else this.put(NO_PAYLOAD);
    this.int(this.position++);
    this.put(LINE_END);
  }

  /**
   * The end of the archive was read: its raw bytes (the last padding and the zero blocks) make one
   * segment, and what follows them (record padding, junk) others, as Go's tar-split writes them.
   */
  endOfArchive(): void {
    this.flushSegment();
  }

  /** Flushes the last segment, adds Go's final empty one (its last read at EOF), and returns the gzip bytes. */
  async finish(): Promise<Buffer> {
    this.flushSegment();
    this.put(SEGMENT_OPEN);
    this.put(POSITION);
    this.int(this.position++);
    this.put(LINE_END);
    if (this.used > 0) this.gzip.write(this.batch.subarray(0, this.used));
    this.used = 0;
    this.gzip.end();
    return this.finished;
  }

  abort(): void {
    this.gzip.destroy();
  }
}
