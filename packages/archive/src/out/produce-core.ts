/**
 * What the tar producer (produce-sync.ts) builds on: the members, the prepared-member record,
 * header building from lstat data, and the output chunker (layer-diff.md §5.4, §5.4.1, §3.4).
 */
import { basenameOf } from './byte-paths.js';
import {
  S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  devMajor, devMinor, floorSeconds, isWhiteoutDevice,
} from './file-kind.js';
import { hostToContainer, type IDMapRange } from './id-maps.js';
import {
  TYPE_BLOCK, TYPE_CHAR, TYPE_DIR, TYPE_FIFO, TYPE_LINK, TYPE_REG, TYPE_SYMLINK, type TarHeader,
} from './tar-header.js';
import type { NameLookup } from './user-names.js';
import type { XattrFilter } from './xattrs.js';

/** One member to produce: a path to lstat, or a deletion to write as a whiteout. */
export type Member = { kind: 'path'; rel: string } | { kind: 'delete'; rel: string };

export interface ProduceContext {
  /** the tree the paths are relative to, as a byte string */
  root: string;
  style: 'head' | '1.43';
  names: NameLookup;
  xattrFilter: XattrFilter;
  uidMaps?: readonly IDMapRange[];
  gidMaps?: readonly IDMapRange[];
  /**
   * overlay native diff: whiteout devices become .wh. files, opaque dirs may get a marker (the
   * producer's opaqueMarker callback says whether it hides a directory of a lower layer)
   */
  overlay?: { opaqueXattr: string };
  /** entries left out the way upstream only logs them (vanished, socket, unmappable owner) */
  onSkip?: (rel: string, reason: unknown) => void;
}

/** The lstat fields header building needs (BigIntStats has them all). */
export interface StatFields {
  mode: bigint;
  uid: bigint;
  gid: bigint;
  size: bigint;
  mtimeNs: bigint;
  rdev: bigint;
  ino: bigint;
  nlink: bigint;
}

export interface Prepared {
  rel: string;
  st: StatFields;
  linkTarget: string;
  xattrs: Array<[string, Buffer]>;
  opaqueMarker: boolean;
}

export const OUT_CHUNK = 1024 * 1024;

function typeflagOf(type: number): number | undefined {
  switch (type) {
    case S_IFREG: return TYPE_REG;
    case S_IFDIR: return TYPE_DIR;
    case S_IFLNK: return TYPE_SYMLINK;
    case S_IFCHR: return TYPE_CHAR;
    case S_IFBLK: return TYPE_BLOCK;
    case S_IFIFO: return TYPE_FIFO;
    default: return undefined;
  }
}

function whiteoutName(rel: string): string {
  const i = rel.lastIndexOf('/');
  return `${rel.slice(0, i + 1)}.wh.${rel.slice(i + 1)}`;
}

/** The upstream whiteout header for a deleted path: empty regular file, mode 0, "now". */
export function deletionHeader(rel: string): TarHeader {
  return {
    name: whiteoutName(rel), typeflag: TYPE_REG, mode: 0, uid: 0, gid: 0, size: 0,
    mtime: Math.round(Date.now() / 1000), linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0,
  };
}

export type Built = { hdr: TarHeader; marker?: TarHeader } | { skip: Error };

/**
 * Upstream addTarFile on prepared lstat data: the header (hardlinks to an inode seen earlier in
 * this tar become typeflag 1), ID mapping, and the overlay whiteout / opaque conversion.
 */
export function buildHeaders(p: Prepared, ctx: ProduceContext, seenInodes: Map<bigint, string>): Built {
  const { st } = p;
  const mode = Number(st.mode);
  const type = mode & S_IFMT;
  const typeflag = typeflagOf(type);
  if (typeflag === undefined) return { skip: new Error(type === S_IFSOCK ? 'socket' : 'unknown file type') };
  const isDir = type === S_IFDIR;
  const uid = Number(st.uid);
  const gid = Number(st.gid);
  const devType = type === S_IFCHR || type === S_IFBLK;
  const hdr: TarHeader = {
    name: isDir ? `${p.rel}/` : p.rel,
    typeflag,
    mode: (mode & 0o7777) | (ctx.style === '1.43' ? type : 0),
    uid,
    gid,
    size: type === S_IFREG ? Number(st.size) : 0,
    mtime: floorSeconds(st.mtimeNs),
    linkname: p.linkTarget,
    uname: ctx.names.user(uid),
    gname: ctx.names.group(gid),
    devmajor: devType ? devMajor(st.rdev) : 0,
    devminor: devType ? devMinor(st.rdev) : 0,
    xattrs: p.xattrs,
  };

  if (!isDir && st.nlink > 1n) {
    const first = seenInodes.get(st.ino);
    if (first !== undefined) {
      hdr.typeflag = TYPE_LINK;
      hdr.linkname = first;
      hdr.size = 0;
    } else {
      seenInodes.set(st.ino, hdr.name);
    }
  }

  const whiteoutDevice = isWhiteoutDevice(mode, st.rdev);
  const hasMaps = (ctx.uidMaps?.length ?? 0) > 0 || (ctx.gidMaps?.length ?? 0) > 0;
  if (hasMaps && !whiteoutDevice && !basenameOf(p.rel).startsWith('.wh.')) {
    const cuid = hostToContainer(ctx.uidMaps, uid);
    const cgid = hostToContainer(ctx.gidMaps, gid);
    if (cuid === undefined || cgid === undefined) {
      return { skip: new Error(`host ID ${cuid === undefined ? uid : gid} cannot be mapped to a container ID`) };
    }
    hdr.uid = cuid;
    hdr.gid = cgid;
  }

  if (ctx.overlay !== undefined) {
    if (whiteoutDevice) {
      // renamed to the AUFS form; linkname cleared even when kernel whiteouts share an inode
      hdr.name = whiteoutName(p.rel);
      hdr.typeflag = TYPE_REG;
      hdr.mode = 0;
      hdr.size = 0;
      hdr.linkname = '';
      hdr.devmajor = 0;
      hdr.devminor = 0;
    } else if (p.opaqueMarker) {
      const opaqueXattr = ctx.overlay.opaqueXattr;
      if (ctx.style === '1.43') hdr.xattrs = p.xattrs.filter(([k]) => k !== opaqueXattr);
      const marker: TarHeader = {
        name: `${p.rel}/.wh..wh..opq`, typeflag: TYPE_REG, mode: mode & 0o777, uid: hdr.uid, gid: hdr.gid,
        size: 0, mtime: 0, linkname: '', uname: hdr.uname, gname: hdr.gname, devmajor: 0, devminor: 0,
      };
      return { hdr, marker };
    }
  }
  return { hdr };
}

/**
 * Collects output into large chunks; big file data can pass through without a copy, or be
 * read straight into the current chunk (`space`/`advance`). `alloc` lets the worker use
 * transferable (non-pooled) buffers.
 */
export class OutChunks {
  private buf: Buffer;
  private pos = 0;
  readonly ready: Buffer[] = [];

  constructor(
    private readonly alloc: (n: number) => Buffer = Buffer.allocUnsafe,
    readonly chunkSize: number = OUT_CHUNK,
  ) {
    this.buf = alloc(chunkSize);
  }

  add(data: Buffer): void {
    if (data.length > this.chunkSize - this.pos) {
      this.flush();
      if (data.length >= this.chunkSize / 4) {
        this.ready.push(data);
        return;
      }
    }
    data.copy(this.buf, this.pos);
    this.pos += data.length;
  }

  zeros(n: number): void {
    if (n === 0) return;
    if (n > this.chunkSize - this.pos) this.flush();
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  /** Free room in the current chunk (a fresh chunk when it is full), for reading into. */
  space(): { buf: Buffer; offset: number; length: number } {
    if (this.pos === this.chunkSize) this.flush();
    return { buf: this.buf, offset: this.pos, length: this.chunkSize - this.pos };
  }

  advance(n: number): void {
    this.pos += n;
  }

  flush(): void {
    if (this.pos === 0) return;
    this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = this.alloc(this.chunkSize);
    this.pos = 0;
  }

  *drain(): Generator<Buffer> {
    while (this.ready.length > 0) yield this.ready.shift()!;
  }
}
