import * as fs from 'node:fs';
import * as sys from '@cs/sys';
import { ArchiveError } from '../common/errors.js';
import { Crc64 } from '../common/crc64.js';
import { toHostID } from '../common/idmap.js';
import { cleanComponents, goCleanKey } from '../common/paths.js';
import type { ApplyOptions } from './apply-options.js';
import { O_CREAT, O_DIRECTORY, O_EXCL, O_NOFOLLOW, O_PATH, O_WRONLY, errCode } from './fsx.js';
import { copyUpFromLower } from './lower.js';
import { removeTree } from './remove-tree.js';
import { dirTimes, putFileTimes, xattrsToSet } from './metadata.js';
import { inUserNamespace } from './userns.js';
import { type Root, joinKey, unsafe } from './root.js';
import { TYPE, type TarEntry, unsupportedType } from './tar-header.js';
import type { TarReader } from './tar-reader.js';
import type { TarSplitWriter } from './tar-split-writer.js';

const S_IFCHR = 0o020000;
const S_IFBLK = 0o060000;
const S_IFIFO = 0o010000;
const NOFOLLOW = sys.AT.SYMLINK_NOFOLLOW;
const { FILE_ATTR: A, FILE_FLAG: F } = sys;
const WH = Buffer.from('.wh.');
const WH_META = Buffer.from('.wh..wh.');
const WH_OPQ = Buffer.from('.wh..wh..opq');
const WH_PLNK = Buffer.from('.wh..wh.plnk');
const DOT = Buffer.from('.');
const SUPPORTED = new Set<number>([TYPE.REG, TYPE.LINK, TYPE.SYMLINK, TYPE.CHAR, TYPE.BLOCK, TYPE.DIR, TYPE.FIFO, TYPE.PAX_GLOBAL]);

function startsWith(b: Buffer, p: Buffer): boolean {
  if (b.length < p.length) return false;
  for (let i = 0; i < p.length; i++) if (b[i] !== p[i]) return false;
  return true;
}

/** A dirent whose type the file system did not say (DT_UNKNOWN): lstat it. */
function unknownType(d: fs.Dirent<Buffer>): boolean {
  return !(d.isFile() || d.isDirectory() || d.isSymbolicLink() || d.isCharacterDevice() || d.isBlockDevice() || d.isFIFO() || d.isSocket());
}

function isBadWhiteoutTarget(t: Buffer): boolean {
  return t.length === 0 || (t.length === 1 && t[0] === 0x2e) || (t.length === 2 && t[0] === 0x2e && t[1] === 0x2e);
}

function fsError(code: string, message: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${message}`) as NodeJS.ErrnoException;
  e.code = code;
  return e;
}

/** An object inside the root: its parent directory fd and its name. */
interface At {
  dfd: number;
  name: Buffer;
}

interface PendingDir {
  parts: Buffer[];
  /** [atime s, ns, mtime s, ns] */
  times: [number, number, number, number];
}

/** The CRC-64 state as tar-split stores it: 8 bytes, big-endian. */
function crcDigest(state: Uint32Array): Buffer {
  const out = Buffer.allocUnsafe(8);
  out.writeUInt32BE(state[0]!, 0);
  out.writeUInt32BE(state[1]!, 4);
  return out;
}

/**
 * Applies tar entries one by one into a Root (Algorithms A and B of layer-diff.md §2). Every
 * call is relative to a directory fd that Root resolved inside the root, with the final
 * component never followed. The calls are synchronous on purpose (see apply-worker.ts).
 */
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
  private readonly plnk = new Map<string, { at: At; entry: TarEntry }>();
  private plnkDir: { fd: number; name: Buffer } | undefined;
  private readonly umask = process.umask();
  private readonly euid = process.geteuid?.() ?? 0;
  private readonly egid = process.getegid?.() ?? 0;
  private readonly overlay: boolean;
  private readonly opaqueXattr: string;
  private readonly keepOverlay: boolean;
  private readonly rootUid: number;
  private readonly rootGid: number;
  private readonly rootless = inUserNamespace();
  /** Attributes handed to the per-file native calls (one array, refilled per call). */
  private readonly attrs = sys.fileAttrs();
  /** Flags every such call carries (ignore chown errors, rootless xattr EPERM). */
  private readonly baseFlags: number;
  /** Running CRC-64 of the file being written, for the tar-split. */
  private readonly crc = new Uint32Array(2);
  /** Called for each parent directory created on the way. */
  private readonly onParentCreated: (dfd: number, name: Buffer) => void;

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
    this.baseFlags = (opts.ignoreChownErrors ? F.IGNORE_CHOWN_ERRORS : 0) | (this.rootless ? F.IGNORE_XATTR_EPERM : 0);
    const chownParents = this.overlay && (this.rootUid !== this.euid || this.rootGid !== this.egid);
    this.onParentCreated = chownParents ? (dfd, name) => this.chown({ dfd, name }, this.rootUid, this.rootGid) : () => undefined;
  }

  /** Handles one entry, consuming its data. */
  async entry(e: TarEntry): Promise<void> {
    if (this.opts.signal?.aborted) throw new ArchiveError('ERR_ARCHIVE_ABORTED', 'apply aborted', { cause: this.opts.signal.reason });
    this.root.collect(); // no directory fd is in use between entries
    this.size += e.size;
    if (!SUPPORTED.has(e.typeflag)) throw unsupportedType(e.typeflag);
    const dupKey = goCleanKey(e.name);
    if (this.seen.has(dupKey)) {
      const shown = e.name.toString('utf8');
      throw new ArchiveError('ERR_ARCHIVE_DUPLICATE_PATH', `duplicates of file paths not supported: ${shown}`, { entry: shown });
    }
    this.seen.add(dupKey);
    const parts = cleanComponents(e.name);
    // joinKey(parts) equals Go's clean key unless that one is rooted or climbs above the top.
    const key = dupKey.charCodeAt(0) === 0x2f || dupKey === '.' || dupKey === '..' || dupKey.startsWith('../') ? joinKey(parts) : dupKey;
    const base = parts[parts.length - 1];
    if (base === undefined || !startsWith(base, WH)) {
      this.uids.add(e.uid);
      this.gids.add(e.gid);
    }
    let crc: Buffer | null = null;
    if (e.typeflag === TYPE.PAX_GLOBAL) {
      // nothing to create (§2.3)
    } else if (base === undefined) {
      this.rootEntry(e);
    } else if (!this.overlay && startsWith(parts[0]!, WH_META)) {
      crc = await this.aufsMeta(e, parts);
    } else if (startsWith(base, WH)) {
      if (this.overlay) this.overlayWhiteout(e, parts);
      else this.deleteWhiteout(parts);
    } else {
      crc = await this.create(e, parts, key);
    }
    if (this.split !== undefined) {
      if (crc === null && e.dataSize > 0) crc = await this.skipData();
      this.split.file(e.name, e.dataSize, crc);
    }
  }

  /** Reads the data of an entry that is not written (a whiteout with data), for its CRC. */
  private async skipData(): Promise<Buffer> {
    const c = new Crc64();
    for (;;) {
      const chunk = await this.reader.readData();
      if (chunk === null) break;
      c.update(chunk);
    }
    return c.digest();
  }

  private hostIDs(e: TarEntry): [number, number] {
    return [toHostID(this.opts.uidMaps, e.uid), toHostID(this.opts.gidMaps, e.gid)];
  }

  /**
   * The parent directory of `parts` (whose joinKey is `key`), creating missing ones (0755; overlay:
   * owned by the mapped root).
   */
  private parent(parts: Buffer[], key: string): number {
    if (parts.length <= 1) return this.root.fd;
    return this.root.dir(parts.slice(0, -1), this.onParentCreated, key.slice(0, key.lastIndexOf('/')));
  }



  private path(at: At): Buffer {
    return this.root.at(at.dfd, at.name);
  }

  private chown(at: At, uid: number, gid: number): void {
    try {
      sys.fchownatSync(at.dfd, at.name, uid, gid, NOFOLLOW);
    } catch (err) {
      if (this.opts.ignoreChownErrors) return;
      throw this.chownError(err, uid, gid, at.name);
    }
  }

  /** Rootless: an ID outside the namespace's range says so, as upstream does (§2.4). */
  private chownError(err: unknown, uid: number, gid: number, name: Buffer): unknown {
    if (!this.rootless || errCode(err) !== 'EINVAL') return err;
    const e = new Error(
      `potentially insufficient UIDs or GIDs available in user namespace (requested ${uid}:${gid} for ${name.toString('utf8')}): Check /etc/subuid and /etc/subgid if configured locally and run "podman system migrate": lchown ${name.toString('utf8')}: invalid argument`,
    ) as NodeJS.ErrnoException;
    e.code = 'EINVAL';
    return e;
  }

  /** A chown failure from a native call, as `chown()` reports it. */
  private attrError(err: unknown, uid: number, gid: number, name: Buffer): unknown {
    const syscall = (err as NodeJS.ErrnoException | undefined)?.syscall;
    return syscall === 'fchown' || syscall === 'fchownat' ? this.chownError(err, uid, gid, name) : err;
  }

  /** Fills the attrs array for `e` (owner, mode, non-directory times) with the given FILE_FLAG bits. */
  private fillAttrs(e: TarEntry, uid: number, gid: number, flags: number): Float64Array {
    const a = this.attrs;
    a[A.FLAGS] = flags | this.baseFlags;
    a[A.MODE] = e.mode & 0o777;
    a[A.UID] = uid;
    a[A.GID] = gid;
    a[A.CHMOD] = e.mode;
    if ((flags & F.TIMES) !== 0) putFileTimes(a, e);
    return a;
  }

  /** Owner, xattrs, mode, times (as `flags` asks) of an existing object, in one native call. */
  private setAttrs(at: At, e: TarEntry, uid: number, gid: number, flags: number): void {
    const a = this.fillAttrs(e, uid, gid, flags);
    try {
      sys.setAttrsAtSync(at.dfd, at.name, a, xattrsToSet(e.xattrs, this.keepOverlay));
    } catch (err) {
      throw this.attrError(err, uid, gid, at.name);
    }
  }

  /** Removes whatever is at `at` (a directory recursively, a symlink itself). */
  private remove(at: At, st: fs.Stats): void {
    this.dirty = true;
    if (st.isDirectory()) {
      removeTree(at.dfd, at.name);
      this.root.dropCache();
    } else {
      sys.unlinkatSync(at.dfd, at.name, 0);
      if (st.isSymbolicLink()) this.root.dropCache();
    }
  }

  /** Clears the way for a new object; true when both are directories (merge instead). */
  private clearFor(at: At, entryIsDir: boolean): boolean {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(this.path(at));
    } catch (err) {
      if (errCode(err) === 'ENOENT') return false;
      throw err;
    }
    if (st.isDirectory() && entryIsDir) return true;
    this.remove(at, st);
    return false;
  }

  private async create(e: TarEntry, parts: Buffer[], key: string): Promise<Buffer | null> {
    const [uid, gid] = this.hostIDs(e);
    const at: At = { dfd: this.parent(parts, key), name: parts[parts.length - 1]! };
    let crc: Buffer | null = null;
    switch (e.typeflag) {
      case TYPE.REG:
        crc = await this.regular(e, at, uid, gid);
        break;
      case TYPE.DIR:
        this.directory(e, at, parts, uid, gid);
        break;
      case TYPE.SYMLINK:
        this.symlink(e, at, uid, gid);
        break;
      case TYPE.LINK:
        this.hardlink(e, at, uid, gid);
        break;
      default:
        this.device(e, at, uid, gid);
        break;
    }
    if (!this.overlay) this.unpacked.add(key);
    return crc;
  }

  private async regular(e: TarEntry, at: At, uid: number, gid: number): Promise<Buffer | null> {
    let flags = F.TIMES;
    // A new file is ours already unless a setgid parent gave it its group: skip that chown.
    if (uid !== this.euid || gid !== this.egid || this.root.isSetgid(at.dfd)) flags |= F.CHOWN;
    // chown clears setuid/setgid and open() applied the umask: chmod only when that mattered.
    if ((e.mode & 0o7000) !== 0 || (e.mode & this.umask) !== 0) flags |= F.CHMOD;
    const xattrs = xattrsToSet(e.xattrs, this.keepOverlay);
    const crc = this.split !== undefined ? this.crc.fill(0) : null;
    // Most files sit whole in the current input chunk: one native call then creates, writes and
    // finishes them; a longer one stays open for the rest of its data.
    const first = e.dataSize > 0 ? await this.reader.readData() : null;
    const whole = first === null || first.length === e.dataSize;
    const a = this.fillAttrs(e, uid, gid, whole ? flags : flags | F.KEEP_OPEN);
    let fd: number;
    try {
      try {
        fd = sys.fileCreateAtSync(at.dfd, at.name, first, a, crc, xattrs);
      } catch (err) {
        if (errCode(err) !== 'EEXIST' || (err as NodeJS.ErrnoException).syscall !== 'openat') throw err;
        this.clearFor(at, false);
        fd = sys.fileCreateAtSync(at.dfd, at.name, first, a, crc, xattrs);
      }
      if (!whole) {
        try {
          for (;;) {
            const chunk = await this.reader.readData();
            if (chunk === null) break;
            sys.fileWriteSync(fd, chunk, crc);
          }
        } catch (err) {
          fs.closeSync(fd);
          throw err;
        }
        sys.fileFinishSync(fd, this.fillAttrs(e, uid, gid, flags), xattrs);
      }
    } catch (err) {
      throw this.attrError(err, uid, gid, at.name);
    }
    this.createdBytes += e.dataSize;
    return crc === null ? null : crcDigest(crc);
  }

  private directory(e: TarEntry, at: At, parts: Buffer[], uid: number, gid: number): void {
    try {
      sys.mkdiratSync(at.dfd, at.name, e.mode & 0o777);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      if (!this.clearFor(at, true)) sys.mkdiratSync(at.dfd, at.name, e.mode & 0o777);
    }
    this.setAttrs(at, e, uid, gid, F.CHOWN | F.CHMOD); // times once all entries are in (finish)
    this.root.forgetModes();
    this.dirs.push({ parts, times: dirTimes(e) });
  }

  private symlink(e: TarEntry, at: At, uid: number, gid: number): void {
    if (e.linkname.length === 0) throw fsError('ENOENT', `symlink with an empty target: ${e.name.toString('utf8')}`);
    try {
      sys.symlinkatSync(e.linkname, at.dfd, at.name);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      this.clearFor(at, false);
      sys.symlinkatSync(e.linkname, at.dfd, at.name);
    }
    this.createdBytes += e.linkname.length;
    this.setAttrs(at, e, uid, gid, F.CHOWN | F.TIMES); // no chmod: it would follow the link
  }

  /** A hardlink target, resolved inside the root; copied up from a lower layer when absent (overlay). */
  private linkTarget(e: TarEntry): At {
    const tparts = cleanComponents(e.linkname);
    if (tparts.length === 0) throw fsError('EPERM', `hardlink to the root directory: ${e.name.toString('utf8')}`);
    const name = tparts[tparts.length - 1]!;
    try {
      const target = { dfd: this.root.dir(tparts.slice(0, -1)), name };
      fs.lstatSync(this.path(target));
      return target;
    } catch (err) {
      const code = errCode(err);
      if ((code !== 'ENOENT' && code !== 'ENOTDIR') || !this.overlay || !this.opts.lowerDirs?.length) throw err;
    }
    // The target lives in a lower layer: copy it up so that both names share one inode.
    copyUpFromLower(this.opts.lowerDirs, tparts, () => this.root.at(this.parent(tparts, joinKey(tparts)), name));
    this.dirty = true;
    return { dfd: this.root.dir(tparts.slice(0, -1)), name };
  }

  private hardlink(e: TarEntry, at: At, uid: number, gid: number): void {
    if (!this.overlay) {
      const tparts = cleanComponents(e.linkname);
      if (tparts.length > 0 && tparts[0]!.equals(WH_PLNK)) {
        this.plnkCopy(e, tparts, at);
        return;
      }
    }
    const target = this.linkTarget(e);
    const tst = fs.lstatSync(this.path(target));
    if (tst.isDirectory()) throw fsError('EPERM', `hardlink to a directory: ${e.name.toString('utf8')}`);
    try {
      sys.linkatSync(target.dfd, target.name, at.dfd, at.name, 0);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      const st = fs.lstatSync(this.path(at));
      if (st.ino === tst.ino && st.dev === tst.dev) throw fsError('ENOENT', `hardlink to itself: ${e.name.toString('utf8')}`);
      this.remove(at, st);
      sys.linkatSync(target.dfd, target.name, at.dfd, at.name, 0);
    }
    this.setAttrs(at, e, uid, gid, tst.isSymbolicLink() ? F.CHOWN : F.CHOWN | F.CHMOD | F.TIMES);
  }

  /** Algorithm A: a hardlink into `.wh..wh.plnk/` becomes an independent copy carrying the plnk header's metadata (§2.1 6.2). */
  private plnkCopy(e: TarEntry, tparts: Buffer[], at: At): void {
    const stashed = this.plnk.get(joinKey(tparts));
    if (stashed === undefined) throw new ArchiveError('ERR_ARCHIVE_INVALID_LINK', `invalid aufs hardlink ${JSON.stringify(e.linkname.toString('utf8'))}`);
    this.clearFor(at, false);
    fs.copyFileSync(this.path(stashed.at), this.path(at), fs.constants.COPYFILE_EXCL);
    const src = stashed.entry;
    const [uid, gid] = this.hostIDs(src);
    this.setAttrs(at, src, uid, gid, F.CHOWN | F.CHMOD | F.TIMES);
  }

  private device(e: TarEntry, at: At, uid: number, gid: number): void {
    if (this.rootless && e.typeflag !== TYPE.FIFO) return; // upstream skips devices silently in a user namespace
    const type = e.typeflag === TYPE.CHAR ? S_IFCHR : e.typeflag === TYPE.BLOCK ? S_IFBLK : S_IFIFO;
    const dev = type === S_IFIFO ? 0 : sys.makedev(e.devmajor, e.devminor);
    try {
      sys.mknodatSync(at.dfd, at.name, type | (e.mode & 0o777), dev);
    } catch (err) {
      if (errCode(err) !== 'EEXIST') throw err;
      this.clearFor(at, false);
      sys.mknodatSync(at.dfd, at.name, type | (e.mode & 0o777), dev);
    }
    this.setAttrs(at, e, uid, gid, F.CHOWN | F.CHMOD | F.TIMES);
  }

  /** `./`, `.`, `/`: overlay ignores it; 'delete' applies owner, mode, xattrs of a directory entry (§2.8). */
  private rootEntry(e: TarEntry): void {
    if (this.overlay) return;
    if (e.typeflag !== TYPE.DIR) {
      const shown = e.name.toString('utf8');
      throw unsafe(`the root entry ${JSON.stringify(shown)} must be a directory`, shown);
    }
    const [uid, gid] = this.hostIDs(e);
    this.setAttrs({ dfd: this.root.fd, name: DOT }, e, uid, gid, F.CHOWN | F.CHMOD);
    this.root.forgetModes();
  }

  private whiteoutTarget(parts: Buffer[]): Buffer {
    const target = parts[parts.length - 1]!.subarray(WH.length);
    if (isBadWhiteoutTarget(target)) throw unsafe(`whiteout ${JSON.stringify(joinKey(parts))} names no file`, joinKey(parts));
    return target;
  }

  /** Algorithm A whiteouts: `.wh.x` removes x; `.wh..wh..opq` empties the directory of what this tar did not create. */
  private deleteWhiteout(parts: Buffer[]): void {
    let dfd: number;
    try {
      dfd = this.parent(parts, joinKey(parts));
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENOENT' || code === 'ENOTDIR') return; // behind a dangling symlink: nothing to delete
      throw err;
    }
    if (parts[parts.length - 1]!.equals(WH_OPQ)) {
      this.opaqueWalk(dfd, joinKey(parts.slice(0, -1)));
      return;
    }
    const at = { dfd, name: this.whiteoutTarget(parts) };
    let st: fs.Stats;
    try {
      st = fs.lstatSync(this.path(at));
    } catch (err) {
      if (errCode(err) === 'ENOENT') return;
      throw err;
    }
    this.remove(at, st);
  }

  private opaqueWalk(dfd: number, dirKey: string): void {
    const entries = fs.readdirSync(this.root.at(dfd, DOT), { withFileTypes: true, encoding: 'buffer' });
    let removed = false;
    for (const d of entries) {
      const name = d.name;
      const key = dirKey === '' ? name.toString('latin1') : `${dirKey}/${name.toString('latin1')}`;
      if (!this.unpacked.has(key)) {
        removeTree(dfd, name);
        removed = true;
        continue;
      }
      if (d.isDirectory() || (unknownType(d) && fs.lstatSync(this.root.at(dfd, name)).isDirectory())) {
        const cfd = sys.openat2Sync(dfd, name, { flags: O_PATH | O_DIRECTORY | O_NOFOLLOW });
        try {
          this.opaqueWalk(cfd, key);
        } finally {
          fs.closeSync(cfd);
        }
      }
    }
    if (removed) {
      this.dirty = true;
      this.root.dropCache();
    }
  }

  /** Algorithm B whiteouts: a 0/0 char device, or the opaque xattr on the directory (§3.3). */
  private overlayWhiteout(e: TarEntry, parts: Buffer[]): void {
    let dfd: number;
    try {
      dfd = this.parent(parts, joinKey(parts));
    } catch (err) {
      if (errCode(err) === 'ENOTDIR') return;
      throw err;
    }
    if (parts[parts.length - 1]!.equals(WH_OPQ)) {
      sys.lsetxattrSync(this.root.at(dfd, DOT), this.opaqueXattr, Buffer.from('y'));
      return;
    }
    const at = { dfd, name: this.whiteoutTarget(parts) };
    try {
      sys.mknodatSync(at.dfd, at.name, S_IFCHR, sys.makedev(0, 0));
    } catch (err) {
      if (errCode(err) === 'ENOTDIR') return;
      throw err; // EEXIST: a whiteout over a file of this same layer ("file exists")
    }
    const [uid, gid] = this.hostIDs(e);
    this.chown(at, uid, gid);
  }

  /** Algorithm A, top-level `.wh..wh.*`: stash plnk files, honour the root opaque marker, skip the rest. */
  private async aufsMeta(e: TarEntry, parts: Buffer[]): Promise<Buffer | null> {
    if (parts.length > 1) this.parent(parts, joinKey(parts)); // upstream leaves the (empty) directory behind
    if (parts.length === 1 && parts[0]!.equals(WH_OPQ)) {
      this.opaqueWalk(this.root.fd, '');
      return null;
    }
    if (parts.length === 2 && parts[0]!.equals(WH_PLNK) && e.typeflag === TYPE.REG) {
      if (this.plnkDir === undefined) {
        const name = Buffer.from(`.cs-plnk-${process.pid}-${Date.now()}`);
        sys.mkdiratSync(this.root.fd, name, 0o700);
        this.plnkDir = { fd: this.root.dir([name]), name };
      }
      const stashed = { dfd: this.plnkDir.fd, name: Buffer.from(String(this.plnk.size)) };
      const crc = await this.regular(e, stashed, ...this.hostIDs(e));
      this.plnk.set(joinKey(parts), { at: stashed, entry: e });
      return crc;
    }
    return null;
  }

  /** Directory times, after all entries, in header order (§2.7); skipped when no longer a directory. */
  finish(): void {
    for (const d of this.dirs) {
      let fd: number;
      try {
        fd = this.root.dir(d.parts);
      } catch (err) {
        const code = errCode(err);
        if (code === 'ENOENT' || code === 'ENOTDIR') continue;
        throw err;
      }
      const a = this.attrs;
      a[A.FLAGS] = F.TIMES;
      [a[A.ATIME_SEC], a[A.ATIME_NSEC], a[A.MTIME_SEC], a[A.MTIME_NSEC]] = d.times;
      sys.setAttrsAtSync(fd, DOT, a, null);
      this.root.collect();
    }
    if (this.plnkDir !== undefined) {
      removeTree(this.root.fd, this.plnkDir.name);
      this.root.dropCache();
    }
  }
}
