/**
 * A tar header encoder that writes what Go's archive/tar Writer writes for a header whose
 * Format is unspecified (layer-diff.md §5.4.1 "physical layout"): USTAR when it can, else PAX;
 * never GNU for the headers this package builds. Strings are "byte strings": JS strings with
 * one char per byte (latin1), so names that are not UTF-8 survive untouched.
 */
import { ProduceError } from './errors.js';

export const TYPE_REG = 0x30; // '0'
export const TYPE_LINK = 0x31; // '1'
export const TYPE_SYMLINK = 0x32; // '2'
export const TYPE_CHAR = 0x33; // '3'
export const TYPE_BLOCK = 0x34; // '4'
export const TYPE_DIR = 0x35; // '5'
export const TYPE_FIFO = 0x36; // '6'
const TYPE_XHEADER = 0x78; // 'x'

export const BLOCK = 512;
const NAME_SIZE = 100;
const PREFIX_SIZE = 155;

export interface TarHeader {
  /** member name, byte string */
  name: string;
  typeflag: number;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  /** whole seconds since the epoch (may be negative) */
  mtime: number;
  linkname: string;
  uname: string;
  gname: string;
  devmajor: number;
  devminor: number;
  /** [byte-string xattr name, raw value]; written as SCHILY.xattr.<name> PAX records */
  xattrs?: ReadonlyArray<readonly [string, Uint8Array]>;
}

// Field offsets in a USTAR block.
const F_NAME = 0, F_MODE = 100, F_UID = 108, F_GID = 116, F_SIZE = 124, F_MTIME = 136, F_CHKSUM = 148,
  F_TYPE = 156, F_LINK = 157, F_MAGIC = 257, F_VERSION = 263, F_UNAME = 265, F_GNAME = 297,
  F_DEVMAJOR = 329, F_DEVMINOR = 337, F_PREFIX = 345;

/** Go's isASCII: every byte below 0x80 and no NUL. */
function isASCII(s: string): boolean {
  // eslint-disable-next-line no-control-regex
  return !/[^\x01-\x7f]/.test(s);
}

/** Go's toASCII on the raw bytes: drops NULs and every byte of a non-ASCII sequence. */
function toASCII(s: string): string {
  // eslint-disable-next-line no-control-regex
  return isASCII(s) ? s : s.replace(/[^\x01-\x7f]/g, '');
}

/** fitsInOctal(n, x): x >= 0 and it fits in n-1 octal digits. */
const OCTAL_LIMIT = Array.from({ length: 22 }, (_, w) => 8 ** Math.max(w - 1, 0));

function fitsInOctal(width: number, x: number): boolean {
  return x >= 0 && (width >= 22 || x < OCTAL_LIMIT[width]!);
}

function splitUSTARPath(name: string): { prefix: string; suffix: string } | undefined {
  let length = name.length;
  if (length <= NAME_SIZE || !isASCII(name)) return undefined;
  if (length > PREFIX_SIZE + 1) length = PREFIX_SIZE + 1;
  else if (name.charCodeAt(length - 1) === 0x2f) length--;
  const i = name.lastIndexOf('/', length - 1);
  const nlen = name.length - i - 1;
  if (i <= 0 || nlen > NAME_SIZE || nlen === 0 || i > PREFIX_SIZE) return undefined;
  return { prefix: name.slice(0, i), suffix: name.slice(i + 1) };
}

/** Go's formatString: copy, NUL-terminate if room, fix a trailing slash cut by truncation. */
function putString(blk: Buffer, off: number, width: number, s: string): void {
  const n = Math.min(s.length, width);
  if (n <= 24) {
    // short strings: a plain loop beats a native write call
    for (let i = 0; i < n; i++) blk[off + i] = s.charCodeAt(i);
  } else {
    blk.write(s, off, n, 'latin1');
  }
  if (s.length < width) blk[off + s.length] = 0;
  if (s.length > width && blk[off + width - 1] === 0x2f) {
    let end = width;
    while (end > 0 && blk[off + end - 1] === 0x2f) end--;
    blk[off + end] = 0;
  }
}

/** Go's formatOctal: zero-padded, room left for a NUL; 0 when the value does not fit. */
function putOctal(blk: Buffer, off: number, width: number, x: number): void {
  if (!fitsInOctal(width, x)) x = 0;
  // digits written in place (no string): this runs ~10 times per member
  for (let i = off + width - 2; i >= off; i--) {
    blk[i] = 0x30 + (x % 8);
    x = Math.floor(x / 8);
  }
  blk[off + width - 1] = 0;
}

function finishBlock(blk: Buffer): void {
  blk.write('ustar\0', F_MAGIC, 6, 'latin1');
  blk.write('00', F_VERSION, 2, 'latin1');
  blk.fill(0x20, F_CHKSUM, F_CHKSUM + 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += blk[i]!;
  putOctal(blk, F_CHKSUM, 7, sum);
  blk[F_CHKSUM + 7] = 0x20;
}

function templateV7Plus(h: TarHeader, name: string, str: (s: string) => string, into?: Buffer): Buffer {
  const blk = into === undefined ? Buffer.alloc(BLOCK) : into.fill(0, 0, BLOCK);
  blk[F_TYPE] = h.typeflag;
  putString(blk, F_NAME, 100, str(name));
  putString(blk, F_LINK, 100, str(h.linkname));
  putOctal(blk, F_MODE, 8, h.mode);
  putOctal(blk, F_UID, 8, h.uid);
  putOctal(blk, F_GID, 8, h.gid);
  putOctal(blk, F_SIZE, 12, h.size);
  putOctal(blk, F_MTIME, 12, h.mtime);
  putString(blk, F_UNAME, 32, str(h.uname));
  putString(blk, F_GNAME, 32, str(h.gname));
  putOctal(blk, F_DEVMAJOR, 8, h.devmajor);
  putOctal(blk, F_DEVMINOR, 8, h.devminor);
  return blk;
}

/** One PAX record "<len> <key>=<value>\n" as bytes; the length counts itself. */
function paxRecord(key: string, value: Uint8Array): Buffer {
  const body = 3 + key.length + value.length;
  let size = body + String(body).length;
  if (String(size).length + body !== size) size = String(size).length + body;
  const head = Buffer.from(`${size} ${key}=`, 'latin1');
  return Buffer.concat([head, value, Buffer.from('\n')]);
}

/** path.Join(dir, "PaxHeaders.0", file) of the real name, made ASCII, cut to 100, no trailing '/'. */
function paxHeaderName(name: string): string {
  const slash = name.lastIndexOf('/');
  const dir = name.slice(0, slash + 1);
  const file = name.slice(slash + 1);
  let joined = `${dir}PaxHeaders.0`;
  if (file !== '') joined += `/${file}`;
  let n = toASCII(joined);
  if (n.length > NAME_SIZE) n = n.slice(0, NAME_SIZE);
  return n.replace(/\/+$/, '');
}

/** A string that fits a USTAR field as is: ASCII (no NUL) and not longer than the field. */
function fitsString(s: string, width: number): boolean {
  return s.length <= width && isASCII(s);
}

function paxSet(pax: Map<string, Uint8Array> | undefined, key: string, value: Uint8Array): Map<string, Uint8Array> {
  return (pax ?? new Map()).set(key, value);
}

/** Whether the only PAX record is a long path that USTAR's prefix field can hold after all. */
function onlyPathRecord(pax: Map<string, Uint8Array>): boolean {
  return pax.size === 1 && pax.has('path');
}

const identity = (s: string): string => s;

function unencodable(n: number, h: TarHeader): ProduceError {
  return new ProduceError('ERR_PRODUCE_HEADER', `tar: cannot encode ${n} for ${h.name}`);
}

function padBlock(n: number): number {
  return (BLOCK - (n % BLOCK)) % BLOCK;
}

/**
 * Encodes one member header (and, when needed, its PAX extension entry before it).
 * Returns the bytes to write; the member's data (h.size bytes + padding) follows.
 * With `scratch` (512 bytes), a plain USTAR header is written into it and it is returned:
 * for producers that copy the result at once, to save an allocation per member.
 */
export function encodeHeader(h: TarHeader, scratch?: Buffer): Buffer {
  // No closures or Map for the usual plain USTAR header: this runs once per member, and bundles
  // built with keepNames pay a defineProperty for every closure created.
  let pax: Map<string, Uint8Array> | undefined;
  let ustarOK = true;
  if (!fitsString(h.name, 100)) {
    if (splitUSTARPath(h.name) === undefined) ustarOK = false;
    pax = paxSet(pax, 'path', Buffer.from(h.name, 'latin1'));
  }
  if (!fitsString(h.linkname, 100)) {
    ustarOK = false;
    pax = paxSet(pax, 'linkpath', Buffer.from(h.linkname, 'latin1'));
  }
  if (!fitsString(h.uname, 32)) {
    ustarOK = false;
    pax = paxSet(pax, 'uname', Buffer.from(h.uname, 'latin1'));
  }
  if (!fitsString(h.gname, 32)) {
    ustarOK = false;
    pax = paxSet(pax, 'gname', Buffer.from(h.gname, 'latin1'));
  }
  // no PAX key for these: Go fails the header
  if (!fitsInOctal(8, h.mode)) throw unencodable(h.mode, h);
  if (!fitsInOctal(8, h.devmajor)) throw unencodable(h.devmajor, h);
  if (!fitsInOctal(8, h.devminor)) throw unencodable(h.devminor, h);
  if (!fitsInOctal(8, h.uid)) pax = paxSet(pax, 'uid', Buffer.from(String(h.uid), 'latin1'));
  if (!fitsInOctal(8, h.gid)) pax = paxSet(pax, 'gid', Buffer.from(String(h.gid), 'latin1'));
  if (!fitsInOctal(12, h.size)) pax = paxSet(pax, 'size', Buffer.from(String(h.size), 'latin1'));
  if (!fitsInOctal(12, h.mtime)) pax = paxSet(pax, 'mtime', Buffer.from(String(h.mtime), 'latin1'));
  if (h.xattrs !== undefined && h.xattrs.length > 0) {
    for (const [k, v] of h.xattrs) pax = paxSet(pax, `SCHILY.xattr.${k}`, v);
  }
  if (pax !== undefined && pax.size > 0 && ustarOK) ustarOK = onlyPathRecord(pax);

  if (ustarOK) {
    let name = h.name;
    let prefix = '';
    const split = splitUSTARPath(name);
    if (split !== undefined) ({ prefix, suffix: name } = split);
    const blk = templateV7Plus(h, name, identity, scratch);
    putString(blk, F_PREFIX, 155, prefix);
    finishBlock(blk);
    return blk;
  }
  pax ??= new Map();

  // PAX: records sorted by key bytes, then the main header with an ASCII, truncated copy.
  const keys = [...pax.keys()].sort();
  const data = Buffer.concat(keys.map((k) => paxRecord(k, pax.get(k)!)));
  const xblk = Buffer.alloc(BLOCK);
  xblk[F_TYPE] = TYPE_XHEADER;
  putString(xblk, F_NAME, 100, paxHeaderName(h.name));
  putOctal(xblk, F_MODE, 8, 0);
  putOctal(xblk, F_UID, 8, 0);
  putOctal(xblk, F_GID, 8, 0);
  putOctal(xblk, F_SIZE, 12, data.length);
  putOctal(xblk, F_MTIME, 12, 0);
  finishBlock(xblk);
  const main = templateV7Plus(h, h.name, toASCII);
  finishBlock(main);
  return Buffer.concat([xblk, data, Buffer.alloc(padBlock(data.length)), main]);
}

/** Zero bytes that pad a member's data of `size` bytes to a whole block. */
export function paddingFor(size: number): number {
  return padBlock(size);
}

/** The end-of-archive marker Go writes: exactly two zero blocks. */
export const END_OF_ARCHIVE: Buffer = Buffer.alloc(2 * BLOCK);
