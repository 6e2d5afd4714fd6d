import { close, createReadStream, createWriteStream, promises as fs, type Stats } from 'node:fs';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { IDMap } from '@cs/store';
import { AT, fchmodat, fchownat, fsetxattr, llistxattr, lgetxattr, linkat, mkdirat, mknodat, O, openat2, RESOLVE, symlinkat, unlinkat, utimensat } from '@cs/sys';

/** How owners travel: source host IDs → container IDs (source maps), --chown override, → destination host IDs. */
export interface OwnerMapping {
  sourceUIDs: readonly IDMap[];
  sourceGIDs: readonly IDMap[];
  chown: { uid: number; gid: number } | null;
  destUIDs: readonly IDMap[];
  destGIDs: readonly IDMap[];
}

/** A copy that cannot be done; the message follows Go's archive texts. */
export class CopyError extends Error {
  readonly code = 'ERR_COPY';
}

function toContainer(maps: readonly IDMap[], id: number, kind: 'UID' | 'GID'): number {
  if (maps.length === 0) return id;
  const m = maps.find((x) => id >= x.hostID && id < x.hostID + x.size);
  if (!m) throw new CopyError(`Host ${kind} ${id} cannot be mapped to a container ${kind}`);
  return id - m.hostID + m.containerID;
}

function toHost(maps: readonly IDMap[], id: number, kind: 'UID' | 'GID'): number {
  if (maps.length === 0) return id;
  const m = maps.find((x) => id >= x.containerID && id < x.containerID + x.size);
  if (!m) throw new CopyError(`Container ${kind} ${id} cannot be mapped to a host ${kind}`);
  return id - m.containerID + m.hostID;
}

function ownerOf(st: Stats, o: OwnerMapping): { uid: number; gid: number } {
  const inContainer = o.chown ?? { uid: toContainer(o.sourceUIDs, st.uid, 'UID'), gid: toContainer(o.sourceGIDs, st.gid, 'GID') };
  return { uid: toHost(o.destUIDs, inContainer.uid, 'UID'), gid: toHost(o.destGIDs, inContainer.gid, 'GID') };
}

/** The owner of new directories: the destination's root (container 0:0 mapped), or the --chown owner. */
function rootOwner(o: OwnerMapping): { uid: number; gid: number } {
  const c = o.chown ?? { uid: 0, gid: 0 };
  return { uid: toHost(o.destUIDs, c.uid, 'UID'), gid: toHost(o.destGIDs, c.gid, 'GID') };
}

/** A source entry: its stat (following symlinks only for a file given as the source itself) and its times in ns. */
interface Entry {
  st: Stats;
  atimeNs: bigint;
  mtimeNs: bigint;
}

async function statEntry(src: string, follow: boolean): Promise<Entry> {
  const st = follow ? await fs.stat(src) : await fs.lstat(src);
  const big = follow ? await fs.stat(src, { bigint: true }) : await fs.lstat(src, { bigint: true });
  return { st, atimeNs: big.atimeNs, mtimeNs: big.mtimeNs };
}

/**
 * Writes into the tree under `root` the way an untar chrooted there would: every path is
 * resolved inside `root` (symlinks in the destination cannot lead out), existing directories are
 * kept, other existing entries replaced, and a directory is never replaced by a non-directory.
 */
class RootedWriter {
  readonly #rootFd: number;
  readonly #root: string;
  readonly #owner: OwnerMapping;
  /** First destination path of each source inode with several links, for hard links. */
  readonly #links = new Map<string, string>();
  /** The directory the upstream untar is chrooted to: error texts show paths relative to it. */
  untarBase = '/';
  /** Directory times are set last: writing inside a directory changes its mtime. */
  readonly #dirTimes: Array<{ rel: string; entry: Entry }> = [];

  private constructor(root: string, rootFd: number, owner: OwnerMapping) {
    this.#root = root;
    this.#rootFd = rootFd;
    this.#owner = owner;
  }

  static async open(root: string, owner: OwnerMapping): Promise<RootedWriter> {
    const fd = await openat2(AT.FDCWD, root, { flags: O.PATH | O.DIRECTORY });
    return new RootedWriter(root, fd, owner);
  }

  async close(): Promise<void> {
    for (const { rel, entry } of this.#dirTimes.reverse()) await this.#withParent(rel, (fd, name) => setTimes(fd, name, entry));
    await closeFd(this.#rootFd);
  }

  async #withParent<T>(rel: string, fn: (dirFd: number, name: string) => Promise<T>): Promise<T> {
    const parent = path.posix.dirname(rel);
    const fd = await openat2(this.#rootFd, parent === '/' ? '.' : parent.slice(1), { flags: O.PATH | O.DIRECTORY, resolve: RESOLVE.IN_ROOT });
    try {
      return await fn(fd, path.posix.basename(rel));
    } finally {
      await closeFd(fd);
    }
  }

  /** Like `mkdir -p` inside the root; new directories get `mode`, and the root owner when `chown`. */
  async mkdirAll(rel: string, mode: number, chown: boolean): Promise<void> {
    const parts = rel.split('/').filter((p) => p !== '');
    let cur = '';
    for (const part of parts) {
      cur += `/${part}`;
      await this.#withParent(cur, async (fd, name) => {
        const existing = await lstatAt(fd, name);
        if (existing?.isDirectory() || (existing?.isSymbolicLink() && (await this.#isDirInRoot(cur)))) return;
        if (existing) throw new CopyError(`mkdir ${path.join(this.#root, cur)}: not a directory`);
        await mkdirat(fd, name, mode);
        if (!chown) return;
        const owner = rootOwner(this.#owner);
        await fchownat(fd, name, owner.uid, owner.gid, AT.SYMLINK_NOFOLLOW);
      });
    }
  }

  /** Whether `rel` resolves, inside the root, to a directory (a symlink may point anywhere in the root). */
  async #isDirInRoot(rel: string): Promise<boolean> {
    try {
      await closeFd(await openat2(this.#rootFd, rel.slice(1), { flags: O.PATH | O.DIRECTORY, resolve: RESOLVE.IN_ROOT }));
      return true;
    } catch {
      return false;
    }
  }

  /** Writes one entry (the source `src`, already stat'ed) at `rel` inside the root. */
  async write(src: string, entry: Entry, rel: string): Promise<void> {
    const { st } = entry;
    const owner = ownerOf(st, this.#owner);
    await this.#withParent(rel, async (fd, name) => {
      const existing = await lstatAt(fd, name);
      if (existing) {
        // Go's texts from its chrooted untar: the path inside the untar directory, which is "/" there.
        const shown = JSON.stringify(path.posix.join('/', path.posix.relative(this.untarBase, rel)));
        if (existing.isDirectory() && !st.isDirectory()) throw new CopyError(`processing tar file(cannot overwrite directory ${shown} with non-directory "/"): exit status 1`);
        if (!existing.isDirectory() && st.isDirectory()) throw new CopyError(`processing tar file(cannot overwrite non-directory ${shown} with directory "/"): exit status 1`);
        if (!existing.isDirectory()) await unlinkat(fd, name, 0);
      }
      const mode = st.mode & 0o7777;
      if (st.nlink > 1 && !st.isDirectory()) {
        const key = `${st.dev}:${st.ino}`;
        const first = this.#links.get(key);
        if (first !== undefined) {
          await this.#withParent(first, (oldFd, oldName) => linkat(oldFd, oldName, fd, name, 0));
          return;
        }
        this.#links.set(key, rel);
      }
      if (st.isDirectory()) {
        if (!existing) await mkdirat(fd, name, 0o700);
      } else if (st.isFile()) {
        const out = await openat2(fd, name, { flags: O.WRONLY | O.CREAT | O.EXCL | O.NOFOLLOW, mode: 0o600, resolve: RESOLVE.BENEATH });
        await pipeline(createReadStream(src), createWriteStream('', { fd: out }));
        await this.#copyXattrs(src, fd, name);
      } else if (st.isSymbolicLink()) {
        await symlinkat(await fs.readlink(src), fd, name);
      } else if (st.isCharacterDevice() || st.isBlockDevice() || st.isFIFO()) {
        await mknodat(fd, name, st.mode, st.rdev);
      } else {
        return; // sockets are not copied (tar has no entry for them)
      }
      await fchownat(fd, name, owner.uid, owner.gid, AT.SYMLINK_NOFOLLOW);
      // fchmodat follows a final symlink: symlinks keep their own (ignored) mode.
      if (!st.isSymbolicLink()) await fchmodat(fd, name, mode);
      if (st.isDirectory()) this.#dirTimes.push({ rel, entry });
      else await setTimes(fd, name, entry);
    });
  }

  async #copyXattrs(src: string, dirFd: number, name: string): Promise<void> {
    const names = await llistxattr(src).catch(() => [] as string[]);
    if (names.length === 0) return;
    const fd = await openat2(dirFd, name, { flags: O.RDONLY | O.NOFOLLOW, resolve: RESOLVE.BENEATH });
    try {
      for (const key of names) await fsetxattr(fd, key, await lgetxattr(src, key));
    } finally {
      await closeFd(fd);
    }
  }
}

async function setTimes(dirFd: number, name: string, entry: Entry): Promise<void> {
  await utimensat(dirFd, name, entry.atimeNs, entry.mtimeNs, AT.SYMLINK_NOFOLLOW);
}

async function lstatAt(dirFd: number, name: string): Promise<Stats | null> {
  try {
    return await fs.lstat(`/proc/self/fd/${dirFd}/${name}`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function closeFd(fd: number): Promise<void> {
  await new Promise<void>((resolve) => close(fd, () => resolve()));
}

/** Pre-order walk of a directory's contents (not the directory itself), never following symlinks. */
async function* walk(dir: string, rel = ''): AsyncGenerator<{ src: string; rel: string; entry: Entry }> {
  for (const name of (await fs.readdir(dir)).sort()) {
    const src = path.join(dir, name);
    const entry = await statEntry(src, false);
    yield { src, rel: `${rel}/${name}`, entry };
    if (entry.st.isDirectory()) yield* walk(src, `${rel}/${name}`);
  }
}

/**
 * Go's CopyWithTar from a host path `src` to `dest` (a path inside `root`, given relative to it):
 * a directory's contents go into `dest` (created 0755, owned by the destination's root or the
 * --chown owner); a file goes to `dest`, or into it as `dest/<name>` when `dest` ends in '/'.
 */
export async function copyWithTar(src: string, root: string, dest: string, owner: OwnerMapping): Promise<void> {
  const source = await statEntry(src, true);
  const writer = await RootedWriter.open(root, owner);
  try {
    if (source.st.isDirectory()) {
      await writer.mkdirAll(dest, 0o755, true);
      writer.untarBase = dest;
      for await (const e of walk(src)) await writer.write(e.src, e.entry, `${dest.replace(/\/+$/, '')}${e.rel}`);
    } else {
      const target = dest.endsWith('/') ? `${dest}${path.basename(src)}` : dest;
      // os.MkdirAll(dir, 0700) upstream: new parents keep the caller's owner.
      await writer.mkdirAll(path.posix.dirname(target), 0o700, false);
      writer.untarBase = path.posix.dirname(target);
      await writer.write(src, source, target);
    }
  } finally {
    await writer.close();
  }
}

