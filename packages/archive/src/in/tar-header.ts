import { ArchiveError, invalidHeader } from '../common/errors.js';

export const BLOCK = 512;
/** Go's maxSpecialFileSize: PAX and GNU long-name payloads above this are rejected (CVE-2022-2879). */
export const MAX_SPECIAL_SIZE = 1 << 20;

export const TYPE = {
  REG: 0x30, // '0'
  REGA: 0x00, // '\0'
  LINK: 0x31,
  SYMLINK: 0x32,
  CHAR: 0x33,
  BLOCK: 0x34,
  DIR: 0x35,
  FIFO: 0x36,
  CONT: 0x37,
  PAX: 0x78, // 'x'
  PAX_GLOBAL: 0x67, // 'g'
  GNU_LONGNAME: 0x4c, // 'L'
  GNU_LONGLINK: 0x4b, // 'K'
  GNU_SPARSE: 0x53, // 'S'
} as const;

/** One tar member after PAX / GNU substitution. Names stay raw bytes. */
export interface TarEntry {
  name: Buffer;
  linkname: Buffer;
  typeflag: number;
  mode: number;
  uid: number;
  gid: number;
  /** Size from the header (after PAX); counts toward the layer's "size" (§2.9). */
  size: number;
  /** Bytes of data that follow in the stream (0 for header-only types). */
  dataSize: number;
  /** Modification time: whole seconds (may be negative) and nanoseconds 0..999999999 (numbers: no bigint per entry). */
  mtime: number;
  mtimeNsec: number;
  /** Access time (PAX, star and GNU headers only), same form. */
  atime: number | undefined;
  atimeNsec: number;
  devmajor: number;
  devminor: number;
  /** SCHILY.xattr.* records in stream order (values raw, empty allowed). */
  xattrs: Array<[string, Buffer]>;
}

const HEADER_ONLY = new Set<number>([TYPE.LINK, TYPE.SYMLINK, TYPE.CHAR, TYPE.BLOCK, TYPE.DIR, TYPE.FIFO]);

export function isHeaderOnly(typeflag: number): boolean {
  return HEADER_ONLY.has(typeflag);
}

export function isZeroBlock(b: Buffer): boolean {
  // 8-byte reads are far quicker than a byte loop for the common non-zero case.
  for (let i = 0; i < BLOCK; i += 8) {
    if (b.readBigUInt64LE(i) !== 0n) return false;
  }
  return true;
}

/** NUL-terminated string field as bytes. */
export function field(b: Buffer, off: number, len: number): Buffer {
  const end = b.indexOf(0, off);
  return b.subarray(off, end === -1 || end > off + len ? off + len : end);
}

/** Go's parseNumeric: base-256 when the top bit is set, else octal with spaces/NULs trimmed. */
export function numeric(b: Buffer, off: number, len: number, what: string): number {
  const first = b[off]!;
  if (first & 0x80) {
    const neg = (first & 0x40) !== 0;
    const inv = neg ? 0xff : 0;
    let x = 0;
    for (let i = 0; i < len; i++) {
      let c = b[off + i]! ^ inv;
      if (i === 0) c &= 0x7f;
      x = x * 256 + c;
      if (x > Number.MAX_SAFE_INTEGER) throw invalidHeader(`${what} out of range`);
    }
    return neg ? -x - 1 : x;
  }
  let s = off;
  let e = off + len;
  while (s < e && (b[s] === 0x20 || b[s] === 0)) s++;
  while (e > s && (b[e - 1] === 0x20 || b[e - 1] === 0)) e--;
  if (s === e) return 0;
  const nul = b.indexOf(0, s);
  if (nul !== -1 && nul < e) e = nul;
  let x = 0;
  for (let i = s; i < e; i++) {
    const c = b[i]! - 0x30;
    if (c < 0 || c > 7) throw invalidHeader(`bad octal ${what}`);
    x = x * 8 + c;
  }
  return x;
}

export function checksumOK(b: Buffer): boolean {
  const want = numeric(b, 148, 8, 'checksum');
  let unsigned = 8 * 0x20; // the checksum field counts as spaces
  for (let i = 0; i < 148; i++) unsigned += b[i]!;
  for (let i = 156; i < BLOCK; i++) unsigned += b[i]!;
  if (want === unsigned) return true;
  // Some old writers summed signed bytes.
  let signed = unsigned;
  for (let i = 0; i < BLOCK; i++) if ((i < 148 || i >= 156) && b[i]! > 127) signed -= 256;
  return want === signed;
}

export type Format = 'v7' | 'ustar' | 'gnu' | 'star';

export function formatOf(b: Buffer): Format {
  // "ustar" at 257, then "\0" (POSIX, maybe star) or " " + " \0" (GNU)
  if (b[257] !== 0x75 || b[258] !== 0x73 || b[259] !== 0x74 || b[260] !== 0x61 || b[261] !== 0x72) return 'v7';
  if (b[262] === 0) return b[508] === 0x74 && b[509] === 0x61 && b[510] === 0x72 && b[511] === 0 ? 'star' : 'ustar';
  if (b[262] === 0x20 && b[263] === 0x20 && b[264] === 0) return 'gnu';
  return 'v7';
}

/** PAX records "<len> <key>=<value>\n" (Go's parsePAXRecord rules). Values stay raw. */
export function parsePax(data: Buffer): Map<string, Buffer> {
  const out = new Map<string, Buffer>();
  let pos = 0;
  while (pos < data.length) {
    const sp = data.indexOf(0x20, pos);
    if (sp === -1) throw invalidHeader('PAX record without length');
    const lenStr = data.toString('latin1', pos, sp);
    if (!/^[0-9]+$/.test(lenStr)) throw invalidHeader('bad PAX record length');
    const n = Number(lenStr);
    if (n < 5 || pos + n > data.length || n <= lenStr.length + 1) throw invalidHeader('bad PAX record length');
    const end = pos + n;
    if (data[end - 1] !== 0x0a) throw invalidHeader('PAX record without newline');
    const rec = data.subarray(sp + 1, end - 1);
    const eq = rec.indexOf(0x3d);
    if (eq <= 0) throw invalidHeader('PAX record without key');
    const key = rec.toString('utf8', 0, eq);
    const value = rec.subarray(eq + 1);
    if (key.includes('\0')) throw invalidHeader('NUL in PAX key');
    if ((key === 'path' || key === 'linkpath' || key === 'uname' || key === 'gname') && value.includes(0)) {
      throw invalidHeader(`NUL in PAX ${key}`);
    }
    out.set(key, value);
    pos = end;
  }
  return out;
}

/** PAX time "sec[.frac]" → ns; only the first 9 fraction digits count. */
export function parsePaxTime(v: Buffer): bigint {
  const s = v.toString('latin1');
  const m = /^(-?)([0-9]+)(?:\.([0-9]*))?$/.exec(s);
  if (m === null) throw invalidHeader(`bad PAX time ${JSON.stringify(s)}`);
  const neg = m[1] === '-';
  const frac = (m[3] ?? '').slice(0, 9).padEnd(9, '0');
  const ns = BigInt(m[2]!) * 1_000_000_000n + BigInt(frac);
  return neg ? -ns : ns;
}

/** Nanoseconds as [seconds, nanoseconds], floored (-1 ns is [-1, 999999999]). */
export function splitNs(ns: bigint): [number, number] {
  let sec = ns / 1_000_000_000n;
  let nsec = ns % 1_000_000_000n;
  if (nsec < 0n) {
    nsec += 1_000_000_000n;
    sec -= 1n;
  }
  const s = Number(sec);
  if (!Number.isSafeInteger(s)) throw invalidHeader('time out of range');
  return [s, Number(nsec)];
}

export function parsePaxInt(v: Buffer, key: string): number {
  const s = v.toString('latin1');
  if (!/^-?[0-9]+$/.test(s)) throw invalidHeader(`bad PAX ${key}`);
  const n = Number(s);
  if (!Number.isSafeInteger(n)) throw invalidHeader(`PAX ${key} out of range`);
  return n;
}

export function unsupportedType(typeflag: number): ArchiveError {
  return new ArchiveError('ERR_ARCHIVE_UNSUPPORTED_TYPE', `unhandled tar header type ${typeflag}`);
}
