import { isUtf8 } from 'node:buffer';
import { createGzip } from 'node:zlib';
import type { RawSink } from './tar-reader.js';

/** Flush a raw segment once it grows past this (split points do not matter, §1.7). */
const SEGMENT_LIMIT = 1 << 20;
const GZIP_WRITE_BATCH = 256 * 1024;

/** Go's encoding/json escapes these in strings; readers accept either form. */
export function goJSONString(s: string): string {
  if (/^[\x20-\x7e]*$/.test(s) && !/["\\<>&]/.test(s)) return `"${s}"`; // the common case
  return JSON.stringify(s).replace(/[<>&\u2028\u2029]/g, (c) => '\\u' + c.charCodeAt(0).toString(16).padStart(4, '0'));
}

/**
 * Records the tar-split stream (vbatts/tar-split JSON packer, on-disk.md §1.7) while a tar is
 * read: raw bytes become type-2 segments, members become type-1 file entries with a CRC-64.
 */
export class TarSplitWriter implements RawSink {
  private pending: Buffer[] = [];
  private pendingLen = 0;
  private position = 0;
  private text = '';
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

  private line(s: string): void {
    this.text += s;
    if (this.text.length >= GZIP_WRITE_BATCH) {
      this.gzip.write(this.text);
      this.text = '';
    }
  }

  private flushSegment(): void {
    if (this.pendingLen === 0) return;
    const data = this.pending.length === 1 ? this.pending[0]! : Buffer.concat(this.pending, this.pendingLen);
    this.pending = [];
    this.pendingLen = 0;
    this.line(`{"type":2,"payload":"${data.toString('base64')}","position":${this.position++}}\n`);
  }

  /** A member: `size` is the number of data bytes in the stream, `crc` their CRC-64 (null if none). */
  file(name: Buffer, size: number, crc: Buffer | null): void {
    this.flushSegment();
    let s = '{"type":1';
    if (name.length > 0) {
      s += isUtf8(name) ? `,"name":${goJSONString(name.toString('utf8'))}` : `,"name_raw":"${name.toString('base64')}"`;
    }
    if (size > 0) s += `,"size":${size}`;
    s += `,"payload":${size > 0 && crc !== null ? `"${crc.toString('base64')}"` : 'null'},"position":${this.position++}}\n`;
    this.line(s);
  }

  /** Flushes the last segment and returns the gzip bytes. */
  async finish(): Promise<Buffer> {
    this.flushSegment();
    if (this.text.length > 0) this.gzip.write(this.text);
    this.text = '';
    this.gzip.end();
    return this.finished;
  }

  abort(): void {
    this.gzip.destroy();
  }
}
