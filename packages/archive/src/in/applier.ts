import * as sys from '@cs/sys';
import { ArchiveError } from '../common/errors.js';
import { Crc64 } from '../common/crc64.js';
import { toHostID } from '../common/idmap.js';
import { cleanComponents, goCleanKey } from '../common/paths.js';
import type { ApplyOptions } from './apply-options.js';
import { O_CLOEXEC, O_CREAT, O_EXCL, O_NOFOLLOW, O_WRONLY, errCode, fsx } from './fsx.js';
import { copyUpFromLower } from './lower.js';
import { clampNs, dirTimes, fileTimes, setXattrs } from './metadata.js';
import { Root, unsafe } from './root.js';
import { TYPE, type TarEntry, unsupportedType } from './tar-header.js';
import type { TarReader } from './tar-reader.js';
import type { TarSplitWriter } from './tar-split-writer.js';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const WH = Buffer.from('.wh.');
const WH_META = Buffer.from('.wh..wh.');
const WH_OPQ = Buffer.from('.wh..wh..opq');
const WH_PLNK = Buffer.from('.wh..wh.plnk');
const SUPPORTED = new Set<number>([TYPE.REG, TYPE.LINK, TYPE.SYMLINK, TYPE.CHAR, TYPE.BLOCK, TYPE.DIR, TYPE.FIFO, TYPE.PAX_GLOBAL]);

function startsWith(b: Buffer, p: Buffer): boolean {
  return b.length >= p.length && b.compare(p, 0, p.length, 0, p.length) === 0;
}

function isBadWhiteoutTarget(t: Buffer): boolean {
  return t.length === 0 || (t.length === 1 && t[0] === 0x2e) || (t.length === 2 && t[0] === 0x2e && t[1] === 0x2e);
}

function keyOf(parts: readonly Buffer[]): string {
  return parts.map((p) => p.toString('latin1')).join('/');
}

function linkError(code: string, message: string): NodeJS.ErrnoException {
  const e = new Error(message) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

interface PendingDir {
  parts: Buffer[];
  atime: bigint;
  mtime: bigint;
}

interface PlnkFile {
  entry: TarEntry;
  path: Buffer; // the stashed copy inside the private temp dir
}

/** Applies tar entries one by one into a Root (Algorithms A and B of layer-diff.md §2). */
export class Applier {
  size = 0;
  readonly uids = new Set<number>();
  readonly gids = new Set<number>();
  /** Overlay: bytes of non-directory content created (valid while `dirty` is false). */
  createdBytes = 0;
  /** Something pre-existing was replaced or removed, so createdBytes is not the disk usage. */
  dirty = false;
  private readonly seen = new Set<string>();
  private readonly unpacked = new Set<string>();
  private readonly dirs: PendingDir[] = [];
  private readonly plnk = new Map<string, PlnkFile>();
  private plnkDir: { fd: number; name: Buffer } | undefined;
  private readonly umask = process.umask();
  private readonly euid = process.geteuid?.() ?? 0;
  private readonly egid = process.getegid?.() ?? 0;
  private readonly overlay: boolean;
  private readonly opaqueXattr: string;
  private readonly keepOverlay: boolean;
  private readonly rootUid: number;
  private readonly rootGid: number;

  constructor(
    private readonly root: Root,
    private readonly opts: ApplyOptions,
    private readonly reader: TarReader,
    private readonly split: TarSplitWriter | undefined,
  ) {
    this.overlay = opts.whiteouts === 'overlay';
    this.opaqueXattr = `${opts.overlayXattrPrefix ?? 'trusted.'}overlay.opaque`;
    this.keepOverlay = opts.keepOverlayXattrs === true;
    this.rootUid = toHostID(opts.uidMaps, 0);
    this.rootGid = toHostID(opts.gidMaps, 0);
  }

  /** Handles one entry, consuming its data. */
  async entry(e: TarEntry): Promise<void> {
    if (this.opts.signal?.aborted) throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted', { cause: this.opts.signal.reason });
    this.size += e.size;
    if (!SUPPORTED.has(e.typeflag)) throw unsupportedType(e.typeflag);
    const dupKey = goCleanKey(e.name);
    if (this.seen.has(dupKey)) {
      throw new ArchiveError('ERR_ARCHIVE_DUPLICATE_PATH', `duplicates of file paths not supported: ${e.name.toString('utf8')}`, { entry: e.name.toString('utf8') });
    }
    this.seen.add(dupKey);
    const parts = cleanComponents(e.name);
    const base = parts[parts.length - 1];
    if (base === undefined || !startsWith(base, WH)) {
      this.uids.add(e.uid);
      this.gids.add(e.gid);
    }
    let crc: Buffer | null = null;
    if (e.typeflag === TYPE.PAX_GLOBAL) {
      // nothing to create (§2.3)
    } else if (base === undefined) {
      await this.rootEntry(e);
    } else if (!this.overlay && startsWith(parts[0]!, WH_META)) {
      crc = await this.aufsMeta(e, parts);
    } else if (startsWith(base, WH)) {
      await (this.overlay ? this.overlayWhiteout(e, parts) : this.deleteWhiteout(parts));
    } else {
      crc = await this.create(e, parts);
    }
    if (this.split !== undefined) {
      if (crc === null && e.dataSize > 0) crc = await this.skipData(true);
      this.split.file(e.name, e.dataSize, crc);
    }
  }

  /** Reads what is left of the entry's data (whiteouts with data, ignored types). */
  private async skipData(wantCrc: boolean): Promise<Buffer | null> {
    const c = wantCrc ? new Crc64() : undefined;
    for (;;) {
      const chunk = await this.reader.readData();
      if (chunk === null) break;
      c?.update(chunk);
    }
    return c?.digest() ?? null;
  }

  private hostIDs(e: TarEntry): [number, number] {
    return [toHostID(this.opts.uidMaps, e.uid), toHostID(this.opts.gidMaps, e.gid)];
  }

  private parent(parts: Buffer[]): Promise<number> {
    const dirParts = parts.slice(0, -1);
    if (this.overlay) {
      return this.root.dir(dirParts, async (p) => {
        if (this.rootUid !== this.euid || this.rootGid !== this.egid) await this.chown(p, this.rootUid, this.rootGid);
      });
    }
    return this.root.dir(dirParts, async () => undefined);
  }

  private async chown(p: Buffer, uid: number, gid: number): Promise<void> {
    try {
      await fsx.lchown(p, uid, gid);
    } catch (err) {
      if (!this.opts.ignoreChownErrors) throw err;
    }
  }

  /** Removes what is at `p` unless both it and the entry are directories; true when merged. */
  private async clearFor(p: Buffer, entryIsDir: boolean): Promise<boolean> {
    let st;
    try {
      st = await fsx.lstat(p);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return false;
      throw err;
    }
    if (st.isDirectory() && entryIsDir) return true;
    this.dirty = true;
    if (st.isDirectory()) {
      await fsx.rm(p, { recursive: true, force: true });
      this.root.dropCache();
    } else {
      await fsx.unlink(p);
      if (st.isSymbolicLink()) this.root.dropCache();
    }
    return false;
  }

  private async create(e: TarEntry, parts: Buffer[]): Promise<Buffer | null> {
    const [uid, gid] = this.hostIDs(e);
    const dfd = await this.parent(parts);
    const p = this.root.at(dfd, parts[parts.length - 1]!);
    let crc: Buffer | null = null;
    switch (e.typeflag) {
      case TYPE.REG:
        crc = await this.regular(e, p, uid, gid);
        break;
      case TYPE.DIR:
        await this.directory(e, p, parts, uid, gid);
        break;
      case TYPE.SYMLINK:
        await this.symlink(e, p, uid, gid);
        break;
      case TYPE.LINK:
        await this.hardlink(e, p, uid, gid);
        break;
      default:
        await this.device(e, p, uid, gid);
        break;
    }
    if (!this.overlay) this.unpacked.add(keyOf(parts));
    return crc;
  }

  private needsChmod(mode: number, chowned: boolean): boolean {
    return (mode & this.umask) !== 0 || ((mode & 0o7000) !== 0 && (chowned || (mode & 0o1000) !== 0));
  }

  private async regular(e: TarEntry, p: Buffer, uid: number, gid: number): Promise<Buffer | null> {
    const flags = O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC;
    let fd: number;
    try {
      fd = await fsx.open(p, flags, e.mode & 0o777);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      await this.clearFor(p, false);
      fd = await fsx.open(p, flags, e.mode & 0o777);
    }
    try {
      const c = this.split !== undefined ? new Crc64() : undefined;
      for (;;) {
        const chunk = await this.reader.readData();
        if (chunk === null) break;
        c?.update(chunk);
        for (let off = 0; off < chunk.length; ) off += await fsx.write(fd, chunk, off, chunk.length - off, null);
      }
      this.createdBytes += e.dataSize;
      // A new file belongs to us (or the setgid parent's group): chown unless it is surely right.
      const chowned = uid !== this.euid || gid !== this.egid || true;
      if (chowned) {
        try {
          await fsx.fchown(fd, uid, gid);
        } catch (err) {
          if (!this.opts.ignoreChownErrors) throw err;
        }
      }
      if (e.xattrs.length > 0) await setXattrs({ fd }, e.xattrs, this.keepOverlay);
      if (this.needsChmod(e.mode, chowned)) await fsx.fchmod(fd, e.mode);
      const [a, m] = fileTimes(e.atimeNs, e.mtimeNs);
      await sys.futimens(fd, a, m);
      return c?.digest() ?? null;
    } finally {
      await fsx.close(fd);
    }
  }

  private async directory(e: TarEntry, p: Buffer, parts: Buffer[], uid: number, gid: number): Promise<void> {
    try {
      await fsx.mkdir(p, e.mode & 0o777);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      if (!(await this.clearFor(p, true))) await fsx.mkdir(p, e.mode & 0o777);
    }
    await this.chown(p, uid, gid);
    if (e.xattrs.length > 0) await setXattrs({ path: p }, e.xattrs, this.keepOverlay);
    await fsx.chmod(p, e.mode);
    const [a, m] = dirTimes(e.atimeNs, e.mtimeNs);
    this.dirs.push({ parts, atime: a, mtime: m });
  }

  private async symlink(e: TarEntry, p: Buffer, uid: number, gid: number): Promise<void> {
    if (e.linkname.length === 0) throw linkError('ENOENT', `symlink with an empty target: ${e.name.toString('utf8')}`);
    try {
      await fsx.symlink(e.linkname, p);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      await this.clearFor(p, false);
      await fsx.symlink(e.linkname, p);
    }
    this.createdBytes += e.linkname.length;
    await this.chown(p, uid, gid);
    if (e.xattrs.length > 0) await setXattrs({ path: p }, e.xattrs, this.keepOverlay);
    const [a, m] = fileTimes(e.atimeNs, e.mtimeNs);
    await sys.lutimens(p, a, m);
  }

  /** Path (dir fd + name) of a hardlink target, resolved inside the root; copied up from a lower layer if needed. */
  private async linkTarget(e: TarEntry): Promise<Buffer> {
    const tparts = cleanComponents(e.linkname);
    if (tparts.length === 0) throw linkError('EPERM', `hardlink to the root directory: ${e.name.toString('utf8')}`);
    if (!this.overlay && startsWith(tparts[0]!, WH_PLNK)) return this.plnkCopy(e, tparts);
    const name = tparts[tparts.length - 1]!;
    try {
      const tfd = await this.root.dir(tparts.slice(0, -1));
      const tp = this.root.at(tfd, name);
      await fsx.lstat(tp);
      return tp;
    } catch (err) {
      const code = errCode(err);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || !this.overlay || !this.opts.lowerDirs?.length) throw err;
    }
    // Overlay layer: the target lives in a lower layer; copy it up so both names share an inode.
    await copyUpFromLower(this.opts.lowerDirs, tparts, async () => {
      const tfd = await this.parent(tparts);
      return this.root.at(tfd, name);
    });
    const tfd = await this.root.dir(tparts.slice(0, -1));
    return this.root.at(tfd, name);
  }

  private async hardlink(e: TarEntry, p: Buffer, uid: number, gid: number): Promise<void> {
    const tp = await this.linkTarget(e);
    const tst = await fsx.lstat(tp);
    if (tst.isDirectory()) throw linkError('EPERM', `hardlink to a directory: ${e.name.toString('utf8')}`);
    if (!tp.equals(p)) {
      try {
        await fsx.link(tp, p);
      } catch (err) {
        if (errCode(err) !== 'EEXIST') throw err;
        await this.clearFor(p, false);
        await fsx.link(tp, p);
      }
    } else {
      throw linkError('ENOENT', `hardlink to itself: ${e.name.toString('utf8')}`);
    }
    await this.chown(p, uid, gid);
    if (e.xattrs.length > 0) await setXattrs({ path: p }, e.xattrs, this.keepOverlay);
    if (!tst.isSymbolicLink()) {
      await fsx.chmod(p, e.mode);
      const [a, m] = fileTimes(e.atimeNs, e.mtimeNs);
      await sys.lutimens(p, a, m);
    }
  }

  private async device(e: TarEntry, p: Buffer, uid: number, gid: number): Promise<void> {
    const type = e.typeflag === TYPE.CHAR ? S_IFCHR : e.typeflag === TYPE.BLOCK ? S_IFBLK : S_IFIFO;
    const dev = type === S_IFIFO ? 0 : sys.makedev(e.devmajor, e.devminor);
    try {
      await sys.mknod(p, type | (e.mode & 0o7777), dev);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      await this.clearFor(p, false);
      await sys.mknod(p, type | (e.mode & 0o7777), dev);
    }
    await this.chown(p, uid, gid);
    if (e.xattrs.length > 0) await setXattrs({ path: p }, e.xattrs, this.keepOverlay);
    await fsx.chmod(p, e.mode);
    const [a, m] = fileTimes(e.atimeNs, e.mtimeNs);
    await sys.lutimens(p, a, m);
  }

  /** `./`, `.`, `/`: overlay ignores it; 'delete' applies owner, mode, xattrs of a directory entry (§2.8). */
  private async rootEntry(e: TarEntry): Promise<void> {
    if (this.overlay) return;
    if (e.typeflag !== TYPE.DIR) throw unsafe(`the root entry ${JSON.stringify(e.name.toString('utf8'))} must be a directory`, e.name.toString('utf8'));
    const [uid, gid] = this.hostIDs(e);
    const p = this.root.at(this.root.fd, '.');
    await this.chown(p, uid, gid);
    if (e.xattrs.length > 0) await setXattrs({ path: p }, e.xattrs, this.keepOverlay);
    await fsx.chmod(p, e.mode);
  }

  private whiteoutTarget(parts: Buffer[]): Buffer {
    const base = parts[parts.length - 1]!;
    const target = base.subarray(WH.length);
    if (isBadWhiteoutTarget(target)) throw unsafe(`whiteout ${JSON.stringify(keyOf(parts))} names no file`, keyOf(parts));
    return target;
  }

  /** Algorithm A whiteouts: `.wh.x` removes x; `.wh..wh..opq` empties the directory of what this tar did not create. */
  private async deleteWhiteout(parts: Buffer[]): Promise<void> {
    const base = parts[parts.length - 1]!;
    const dfd = await this.parent(parts);
    if (base.equals(WH_OPQ)) {
      await this.opaqueWalk(dfd, keyOf(parts.slice(0, -1)));
      return;
    }
    const target = this.whiteoutTarget(parts);
    const p = this.root.at(dfd, target);
    let st;
    try {
      st = await fsx.lstat(p);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return;
      throw err;
    }
    this.dirty = true;
    if (st.isDirectory()) {
      await fsx.rm(p, { recursive: true, force: true });
      this.root.dropCache();
    } else {
      await fsx.unlink(p);
      if (st.isSymbolicLink()) this.root.dropCache();
    }
  }

  private async opaqueWalk(dfd: number, dirKey: string): Promise<void> {
    const names = await fsx.readdir(this.root.at(dfd, '.'), { encoding: 'buffer' });
    let removed = false;
    for (const n of names) {
      const key = dirKey === '' ? n.toString('latin1') : `${dirKey}/${n.toString('latin1')}`;
      const p = this.root.at(dfd, n);
      if (!this.unpacked.has(key)) {
        await fsx.rm(p, { recursive: true, force: true });
        removed = true;
        continue;
      }
      const st = await fsx.lstat(p);
      if (st.isDirectory()) {
        const cfd = await fsx.open(p, 0o10000000 | 0o200000 | O_NOFOLLOW | O_CLOEXEC);
        try {
          await this.opaqueWalk(cfd, key);
        } finally {
          await fsx.close(cfd);
        }
      }
    }
    if (removed) {
      this.dirty = true;
      this.root.dropCache();
    }
  }

  /** Algorithm B whiteouts: a 0/0 char device, or the opaque xattr on the directory (§3.3). */
  private async overlayWhiteout(e: TarEntry, parts: Buffer[]): Promise<void> {
    const base = parts[parts.length - 1]!;
    let dfd: number;
    try {
      dfd = await this.parent(parts);
    } catch (err) {
      if (errCode(err) === 'ENOTDIR') return;
      throw err;
    }
    if (base.equals(WH_OPQ)) {
      await sys.lsetxattr(this.root.at(dfd, '.'), this.opaqueXattr, Buffer.from('y'));
      return;
    }
    const p = this.root.at(dfd, this.whiteoutTarget(parts));
    try {
      await sys.mknod(p, S_IFCHR, sys.makedev(0, 0));
    } catch (err) {
      if (errCode(err) === 'ENOTDIR') return;
      throw err;
    }
    const [uid, gid] = this.hostIDs(e);
    await this.chown(p, uid, gid);
  }

  /** Algorithm A, top-level `.wh..wh.*`: stash plnk files, honour the root opaque marker, skip the rest. */
  private async aufsMeta(e: TarEntry, parts: Buffer[]): Promise<Buffer | null> {
    if (parts.length > 1) await this.parent(parts); // upstream leaves the (empty) directory behind
    if (parts.length === 1 && parts[0]!.equals(WH_OPQ)) {
      await this.opaqueWalk(this.root.fd, '');
      return null;
    }
    if (parts.length === 2 && parts[0]!.equals(WH_PLNK) && e.typeflag === TYPE.REG) {
      return this.stashPlnk(e, parts);
    }
    return null;
  }

  private async stashPlnk(e: TarEntry, parts: Buffer[]): Promise<Buffer | null> {
    if (this.plnkDir === undefined) {
      const name = Buffer.from(`.cs-plnk-${process.pid}-${Date.now()}`);
      await fsx.mkdir(this.root.at(this.root.fd, name), 0o700);
      this.plnkDir = { fd: await this.root.dir([name]), name };
    }
    const stashed = this.root.at(this.plnkDir.fd, Buffer.from(String(this.plnk.size)));
    const crc = await this.regular(e, stashed, ...this.hostIDs(e));
    this.plnk.set(keyOf(parts), { entry: e, path: stashed });
    return crc;
  }

  /** A hardlink into `.wh..wh.plnk/` becomes an independent copy of the stashed file (§2.1 step 6.2). */
  private async plnkCopy(e: TarEntry, tparts: Buffer[]): Promise<Buffer> {
    const f = this.plnk.get(keyOf(tparts));
    if (f === undefined) throw new ArchiveError('ERR_ARCHIVE_INVALID_LINK', `invalid aufs hardlink ${JSON.stringify(e.linkname.toString('utf8'))}`);
    return f.path;
  }

  /** Directory times, after all entries, in header order (§2.7); skipped when no longer a directory. */
  async finish(): Promise<void> {
    for (const d of this.dirs) {
      let fd: number;
      try {
        fd = await this.root.dir(d.parts);
      } catch (err) {
        const code = errCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        throw err;
      }
      await sys.lutimens(this.root.at(fd, '.'), d.atime, d.mtime);
    }
    if (this.plnkDir !== undefined) {
      await fsx.rm(this.root.at(this.root.fd, this.plnkDir.name), { recursive: true, force: true });
      this.root.dropCache();
    }
  }
}

export { clampNs };
