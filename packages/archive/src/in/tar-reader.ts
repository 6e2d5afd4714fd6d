import { ArchiveError, invalidHeader } from '../common/errors.js';
import type { ByteSource } from './byte-source.js';
import {
  BLOCK,
  MAX_SPECIAL_SIZE,
  TYPE,
  type TarEntry,
  checksumOK,
  field,
  formatOf,
  isHeaderOnly,
  isZeroBlock,
  numeric,
  parsePax,
  parsePaxInt,
  parsePaxTime,
  splitNs,
  unsupportedType,
} from './tar-header.js';

/** Receives every byte of the stream that is not member data (headers, padding, trailer). */
export interface RawSink {
  raw(bytes: Buffer): void;
}

const TRAILING_SEGMENT = 1 << 20;
/** Shared by every entry without a link name (never written to). */
const NO_LINK = Buffer.alloc(0);

/**
 * Byte-exact streaming tar reader (Go archive/tar semantics, layer-diff.md §1.3).
 * tar-stream hides the raw header bytes tar-split needs, hence this reader.
 * Memory is bounded: PAX/GNU payloads are capped at 1 MiB, data is handed out in views.
 */
export class TarReader {
  private remaining = 0; // data bytes of the current entry not yet read
  private pad = 0; // padding after the current entry's data
  private ended = false;

  constructor(
    private readonly src: ByteSource,
    private readonly sink?: RawSink,
  ) {}

  private rawOut(b: Buffer): void {
    this.sink?.raw(b);
  }

  private async block(): Promise<Buffer | null> {
    return this.src.readExact(BLOCK, 'tar header');
  }

  private async special(size: number): Promise<Buffer> {
    if (size > MAX_SPECIAL_SIZE) {
      throw new ArchiveError('ERR_ARCHIVE_HEADER_TOO_LONG', 'archive/tar: header field too long');
    }
    const data = size === 0 ? Buffer.alloc(0) : await this.src.readExact(size, 'tar extension header');
    if (data === null) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF in tar extension header');
    this.rawOut(data);
    const padLen = (BLOCK - (size % BLOCK)) % BLOCK;
    if (padLen > 0) {
      const p = await this.src.readExact(padLen, 'tar padding');
      if (p === null) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF in tar padding');
      this.rawOut(p);
    }
    return data;
  }

  /** Skips what is left of the current entry, then reads the next one; null at end of archive. */
  async next(): Promise<TarEntry | null> {
    if (this.ended) return null;
    while (this.remaining > 0) {
      const c = await this.src.readSome(this.remaining);
      if (c === null) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF in tar member data');
      this.remaining -= c.length;
    }
    if (this.pad > 0) {
      const p = await this.src.readExact(this.pad, 'tar padding');
      if (p === null) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF in tar padding');
      this.rawOut(p);
      this.pad = 0;
    }

    let pax: Map<string, Buffer> | undefined;
    let longName: Buffer | undefined;
    let longLink: Buffer | undefined;
    for (;;) {
      const b = await this.block();
      if (b === null) {
        if (pax || longName || longLink) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF after extension header');
        this.ended = true;
        return null;
      }
      this.rawOut(b);
      if (isZeroBlock(b)) {
        if (pax || longName || longLink) throw invalidHeader('zero block after extension header');
        const b2 = await this.block();
        if (b2 !== null) {
          this.rawOut(b2);
          if (!isZeroBlock(b2)) throw invalidHeader('zero block followed by data');
        }
        this.ended = true;
        return null;
      }
      if (!checksumOK(b)) {
        throw new ArchiveError('ERR_ARCHIVE_CHECKSUM', 'archive/tar: invalid tar header (checksum mismatch)');
      }
      const typeflag = b[156]!;
      const size = numeric(b, 124, 12, 'size');
      if (size < 0) throw invalidHeader('negative size');

      if (typeflag === TYPE.PAX || typeflag === TYPE.PAX_GLOBAL) {
        if (typeflag === TYPE.PAX_GLOBAL) {
          // Returned as a pseudo-entry; its payload sits in the raw stream, its padding after.
          if (size > MAX_SPECIAL_SIZE) throw new ArchiveError('ERR_ARCHIVE_HEADER_TOO_LONG', 'archive/tar: header field too long');
          const data = size === 0 ? Buffer.alloc(0) : await this.src.readExact(size, 'PAX global header');
          if (data === null) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF in PAX global header');
          this.rawOut(data);
          parsePax(data); // validated, then ignored (§1.3)
          this.pad = (BLOCK - (size % BLOCK)) % BLOCK;
          return this.entryFrom(b, typeflag, 0, undefined, undefined, undefined);
        }
        pax = parsePax(await this.special(size));
        continue;
      }
      if (typeflag === TYPE.GNU_LONGNAME || typeflag === TYPE.GNU_LONGLINK) {
        const data = await this.special(size);
        const nul = data.indexOf(0);
        const value = Buffer.from(nul === -1 ? data : data.subarray(0, nul)); // copy: outlives the chunk
        if (typeflag === TYPE.GNU_LONGNAME) longName = value;
        else longLink = value;
        continue;
      }
      const entry = this.entryFrom(b, typeflag, size, pax, longName, longLink);
      this.remaining = entry.dataSize;
      this.pad = (BLOCK - (entry.dataSize % BLOCK)) % BLOCK;
      return entry;
    }
  }

  private entryFrom(
    b: Buffer,
    rawType: number,
    size: number,
    pax: Map<string, Buffer> | undefined,
    longName: Buffer | undefined,
    longLink: Buffer | undefined,
  ): TarEntry {
    const format = formatOf(b);
    let name: Buffer = field(b, 0, 100);
    let prefix: Buffer | undefined;
    let atime: number | undefined;
    let atimeNsec = 0;
    if (format === 'ustar') prefix = field(b, 345, 155);
    else if (format === 'star') {
      prefix = field(b, 345, 131);
      if (b[476] !== 0) atime = numeric(b, 476, 12, 'atime');
    } else if (format === 'gnu' && b[345] !== 0) {
      try {
        atime = numeric(b, 345, 12, 'atime');
      } catch {
        // Old Go writers put a USTAR prefix here; Go falls back the same way.
        atime = undefined;
        const p = field(b, 345, 155);
        if (!p.some((c) => c > 0x7f)) prefix = p;
      }
    }
    if (prefix !== undefined && prefix.length > 0) name = Buffer.concat([prefix, Buffer.from('/'), name]);
    else name = Buffer.from(name); // copy: the header view dies with its chunk
    const rawLink = field(b, 157, 100);
    let linkname: Buffer = rawLink.length === 0 ? NO_LINK : Buffer.from(rawLink); // copy: the header view dies with its chunk
    let mode = numeric(b, 100, 8, 'mode');
    let uid = numeric(b, 108, 8, 'uid');
    let gid = numeric(b, 116, 8, 'gid');
    let mtime = numeric(b, 136, 12, 'mtime');
    let mtimeNsec = 0;
    const devmajor = format === 'v7' ? 0 : numeric(b, 329, 8, 'devmajor');
    const devminor = format === 'v7' ? 0 : numeric(b, 337, 8, 'devminor');
    if (longName !== undefined) name = longName;
    if (longLink !== undefined) linkname = longLink;
    const xattrs: Array<[string, Buffer]> = [];
    if (pax !== undefined) {
      for (const [k, v] of pax) {
        if (k.startsWith('GNU.sparse.')) {
          throw new ArchiveError('ERR_ARCHIVE_SPARSE_UNSUPPORTED', 'sparse tar members are not supported (tar-split cannot reproduce them)');
        }
        if (k.startsWith('SCHILY.xattr.')) {
          xattrs.push([k.slice('SCHILY.xattr.'.length), Buffer.from(v)]);
          continue;
        }
        if (v.length === 0) continue; // keep the USTAR value
        switch (k) {
          case 'path':
            name = Buffer.from(v);
            break;
          case 'linkpath':
            linkname = Buffer.from(v);
            break;
          case 'uid':
            uid = parsePaxInt(v, k);
            break;
          case 'gid':
            gid = parsePaxInt(v, k);
            break;
          case 'size':
            size = parsePaxInt(v, k);
            if (size < 0) throw invalidHeader('negative size');
            break;
          case 'mtime':
            [mtime, mtimeNsec] = splitNs(parsePaxTime(v));
            break;
          case 'atime':
            [atime, atimeNsec] = splitNs(parsePaxTime(v));
            break;
          case 'ctime':
            parsePaxTime(v);
            break;
          default:
            break;
        }
      }
    }
    mode &= 0o7777;
    let typeflag = rawType;
    if (typeflag === TYPE.REGA) typeflag = name.length > 0 && name[name.length - 1] === 0x2f ? TYPE.DIR : TYPE.REG;
    if (typeflag === TYPE.GNU_SPARSE) throw unsupportedType(typeflag);
    const dataSize = isHeaderOnly(typeflag) || rawType === TYPE.PAX_GLOBAL ? 0 : size;
    return { name, linkname, typeflag, mode, uid, gid, size, dataSize, mtime, mtimeNsec, atime, atimeNsec, devmajor, devminor, xattrs };
  }

  /** Next piece of the current entry's data (a view, valid until the next read); null when done. */
  async readData(max = 1 << 20): Promise<Buffer | null> {
    if (this.remaining === 0) return null;
    const c = await this.src.readSome(Math.min(max, this.remaining));
    if (c === null) throw new ArchiveError('ERR_ARCHIVE_TRUNCATED', 'unexpected EOF in tar member data');
    this.remaining -= c.length;
    return c;
  }

  /** After the end of archive: reads everything left (record padding, junk) into the raw sink. */
  async drainTrailing(): Promise<void> {
    for (;;) {
      const c = await this.src.readSome(TRAILING_SEGMENT);
      if (c === null) return;
      this.rawOut(c);
    }
  }
}
