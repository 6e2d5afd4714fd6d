/**
 * The tar producer shared by every export: takes an ordered list of members, prepares them
 * ahead in parallel (lstat, readlink, xattrs, small file contents) within a bounded window,
 * and emits headers and data in order in large chunks (layer-diff.md §5.4, §5.5).
 */
import type { BigIntStats } from 'node:fs';
import { basenameOf, fsPath, joinBytes } from './byte-paths.js';
import {
  S_IFBLK, S_IFCHR, S_IFDIR, S_IFIFO, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK,
  devMajor, devMinor, floorSeconds, isWhiteoutDevice,
} from './file-kind.js';
import { closeFd, errCode, lstatBig, openRead, readFully, readlinkBytes } from './fs-cb.js';
import { hostToContainer, type IDMapRange } from './id-maps.js';
import {
  END_OF_ARCHIVE, TYPE_BLOCK, TYPE_CHAR, TYPE_DIR, TYPE_FIFO, TYPE_LINK, TYPE_REG, TYPE_SYMLINK,
  encodeHeader, paddingFor, type TarHeader,
} from './tar-header.js';
import type { NameLookup } from './user-names.js';
import { isOpaque, listXattrs, readXattrs, type XattrFilter } from './xattrs.js';

/** One member to produce: a path to lstat, or a deletion to write as a whiteout. */
export type Member =
  | { kind: 'path'; rel: string }
  | { kind: 'delete'; rel: string };

export interface ProduceContext {
  /** the tree the paths are relative to, as a byte string */
  root: string;
  style: 'head' | '1.43';
  names: NameLookup;
  xattrFilter: XattrFilter;
  uidMaps?: readonly IDMapRange[];
  gidMaps?: readonly IDMapRange[];
  /** overlay native diff: whiteout devices become .wh. files, opaque dirs may get a marker */
  overlay?: {
    opaqueXattr: string;
    /** whether an opaque directory hides something of a lower layer (decides the marker) */
    needsOpaqueMarker(rel: string): Promise<boolean>;
  };
  /** entries skipped the way upstream only logs them (vanished, unmappable owner, …) */
  onSkip?: (rel: string, reason: unknown) => void;
}

interface Prepared {
  rel: string;
  st: BigIntStats;
  linkTarget: string;
  xattrs: Array<[string, Buffer]>;
  opaqueMarker: boolean;
  content?: Buffer;
}

/** Files up to this size are read ahead whole; bigger ones are streamed when their turn comes. */
const SMALL_FILE = 256 * 1024;
const WINDOW = 64;
const CHUNK = 1024 * 1024;
const OUT_CHUNK = 1024 * 1024;

async function prepare(m: Member & { kind: 'path' }, ctx: ProduceContext): Promise<Prepared> {
  const p = fsPath(joinBytes(ctx.root, m.rel));
  const st = await lstatBig(p);
  const type = Number(st.mode) & S_IFMT;
  const [linkTarget, xattrNames] = await Promise.all([
    type === S_IFLNK ? readlinkBytes(p) : Promise.resolve(''),
    type === S_IFSOCK ? Promise.resolve([]) : listXattrs(p),
  ]);
  const xattrs = xattrNames.length > 0 ? await readXattrs(p, xattrNames, ctx.xattrFilter) : [];
  let opaqueMarker = false;
  if (ctx.overlay !== undefined && type === S_IFDIR && (await isOpaque(p, xattrNames, ctx.overlay.opaqueXattr))) {
    opaqueMarker = await ctx.overlay.needsOpaqueMarker(m.rel);
  }
  const prepared: Prepared = { rel: m.rel, st, linkTarget, xattrs, opaqueMarker };
  const size = Number(st.size);
  if (type === S_IFREG && size > 0 && size <= SMALL_FILE && (st.nlink === 1n)) {
    const fd = await openRead(p);
    try {
      const buf = Buffer.allocUnsafe(size);
      await readFully(fd, buf, size, 0);
      prepared.content = buf;
    } finally {
      await closeFd(fd);
    }
  }
  return prepared;
}

/** Collects output into large chunks; big file data passes through without a copy. */
class OutChunks {
  private buf = Buffer.allocUnsafe(OUT_CHUNK);
  private pos = 0;
  readonly ready: Buffer[] = [];

  add(data: Buffer): void {
    if (data.length > OUT_CHUNK - this.pos) {
      this.flush();
      if (data.length >= OUT_CHUNK / 4) {
        this.ready.push(data);
        return;
      }
    }
    data.copy(this.buf, this.pos);
    this.pos += data.length;
  }

  zeros(n: number): void {
    if (n === 0) return;
    if (n > OUT_CHUNK - this.pos) this.flush();
    this.buf.fill(0, this.pos, this.pos + n);
    this.pos += n;
  }

  flush(): void {
    if (this.pos === 0) return;
    this.ready.push(this.buf.subarray(0, this.pos));
    this.buf = Buffer.allocUnsafe(OUT_CHUNK);
    this.pos = 0;
  }

  *drain(): Generator<Buffer> {
    while (this.ready.length > 0) yield this.ready.shift()!;
  }
}

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
function deletionHeader(rel: string): TarHeader {
  return {
    name: whiteoutName(rel), typeflag: TYPE_REG, mode: 0, uid: 0, gid: 0, size: 0,
    mtime: Math.round(Date.now() / 1000), linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0,
  };
}

export async function* produceTar(members: readonly Member[], ctx: ProduceContext): AsyncGenerator<Buffer> {
  const out = new OutChunks();
  const seenInodes = new Map<bigint, string>();
  const window: Array<Promise<Prepared | Error> | null> = [];
  let next = 0;
  const fill = () => {
    while (window.length < WINDOW && next < members.length) {
      const m = members[next++]!;
      // a rejection is kept as a value so that a skipped member never becomes an unhandled one
      window.push(m.kind === 'path' ? prepare(m, ctx).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))) : null);
    }
  };

  for (let i = 0; i < members.length; i++) {
    fill();
    const m = members[i]!;
    const pending = window.shift()!;
    if (m.kind === 'delete') {
      out.add(encodeHeader(deletionHeader(m.rel)));
    } else {
      const prepared = await pending!;
      if (prepared instanceof Error) {
        ctx.onSkip?.(m.rel, prepared);
      } else {
        yield* emitPrepared(prepared, ctx, seenInodes, out);
      }
    }
    yield* out.drain();
  }
  out.add(END_OF_ARCHIVE);
  out.flush();
  yield* out.drain();
}

async function* emitPrepared(
  p: Prepared,
  ctx: ProduceContext,
  seenInodes: Map<bigint, string>,
  out: OutChunks,
): AsyncGenerator<Buffer> {
  const { st } = p;
  const mode = Number(st.mode);
  const type = mode & S_IFMT;
  const typeflag = typeflagOf(type);
  if (typeflag === undefined) {
    ctx.onSkip?.(p.rel, new Error(type === S_IFSOCK ? 'socket' : 'unknown file type'));
    return;
  }
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
      ctx.onSkip?.(p.rel, new Error(`host ID ${cuid === undefined ? uid : gid} cannot be mapped to a container ID`));
      return;
    }
    hdr.uid = cuid;
    hdr.gid = cgid;
  }

  let marker: TarHeader | undefined;
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
      if (ctx.style === '1.43') hdr.xattrs = p.xattrs.filter(([k]) => k !== ctx.overlay!.opaqueXattr);
      marker = {
        name: `${p.rel}/.wh..wh..opq`, typeflag: TYPE_REG, mode: mode & 0o777, uid: hdr.uid, gid: hdr.gid,
        size: 0, mtime: 0, linkname: '', uname: hdr.uname, gname: hdr.gname, devmajor: 0, devminor: 0,
      };
    }
  }

  out.add(encodeHeader(hdr));
  if (marker !== undefined) out.add(encodeHeader(marker));
  if (hdr.typeflag !== TYPE_REG || hdr.size === 0) return;

  if (p.content !== undefined) {
    out.add(p.content);
  } else {
    yield* out.drain();
    yield* streamFile(fsPath(joinBytes(ctx.root, p.rel)), hdr.size, out);
  }
  out.zeros(paddingFor(hdr.size));
}

/** Streams exactly `size` bytes of a big file with one read in flight ahead of the consumer. */
async function* streamFile(path: string | Buffer, size: number, out: OutChunks): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    fd = await openRead(path);
  } catch (err) {
    // the header is out already: keep the archive well-formed with zeros
    if (errCode(err) !== 'ENOENT') throw err;
    yield* zeroFill(size);
    return;
  }
  let inFlight: Promise<Buffer> | undefined;
  try {
    const readChunk = (pos: number) => {
      const len = Math.min(CHUNK, size - pos);
      const buf = Buffer.allocUnsafe(len);
      return readFully(fd, buf, len, pos).then(() => buf);
    };
    let pos = 0;
    inFlight = readChunk(0);
    while (pos < size) {
      const buf: Buffer = await inFlight!;
      pos += buf.length;
      inFlight = pos < size ? readChunk(pos) : undefined;
      out.add(buf);
      yield* out.drain();
    }
  } finally {
    // never close the fd under a read still running (the consumer may stop early)
    if (inFlight !== undefined) await inFlight.catch(() => undefined);
    await closeFd(fd);
  }
}

function* zeroFill(size: number): Generator<Buffer> {
  for (let left = size; left > 0; left -= CHUNK) yield Buffer.alloc(Math.min(CHUNK, left));
}
