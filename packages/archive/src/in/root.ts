import { ArchiveError } from '../common/errors.js';
import { cleanComponents } from '../common/paths.js';
import { closeSync, fstatSync, lstatSync, openSync, readlinkSync } from 'node:fs';
import * as sys from '@cs/sys';
import { O_CLOEXEC, O_DIRECTORY, O_NOFOLLOW, O_PATH, errCode, fsx } from './fsx.js';

const MAX_SYMLINKS = 40;
const CACHE_LIMIT = 1024;
const SLASH = Buffer.from('/');

/** Called after a missing parent directory was created (e.g. to chown it). */
export type OnParentCreated = (dirFd: number, name: Buffer) => void;

/** The cache key of cleaned components: latin1, one char per byte, '/'-joined (components never hold '/'). */
export function joinKey(parts: readonly Buffer[]): string {
  return parts.length === 1 ? parts[0]!.toString('latin1') : parts.map((p) => p.toString('latin1')).join('/');
}

/** keys[i] is the cache key of the first i components. */
function prefixKeys(parts: readonly Buffer[]): string[] {
  const keys = [''];
  let k = '';
  for (let i = 0; i < parts.length; i++) {
    k += (i === 0 ? '' : '/') + parts[i]!.toString('latin1');
    keys.push(k);
  }
  return keys;
}

function fsError(code: string, syscall: string, path: string): NodeJS.ErrnoException {
  const e = new Error(`${code}: ${syscall} '${path}'`) as NodeJS.ErrnoException;
  e.code = code;
  e.syscall = syscall;
  e.path = path;
  return e;
}

/**
 * A directory tree treated like a chroot (layer-diff.md §4.2): names are resolved one component
 * at a time from O_PATH directory fds, '..' stops at the root, symlinks met on the way are
 * re-rooted. Operations then address `/proc/self/fd/<dirfd>/<name>`, so the kernel never
 * follows anything but that fd and one final component. Directory fds are cached.
 * Lookups are synchronous: they are cached metadata calls of a few microseconds, and the
 * applier runs them on a worker thread (see apply.ts).
 */
export class Root {
  private readonly cache = new Map<string, number>();
  private readonly prefixes = new Map<number, Buffer>();
  private readonly retired: number[] = [];
  private readonly setgid = new Map<number, boolean>();
  /** The last dir() answer: consecutive entries mostly share a directory. */
  private lastKey = '';
  private lastFd = -1;
  /** Bumped whenever cached fds are dropped, which invalidates lastParts/lastFd. */
  private generation = 0;
  private lastGeneration = -1;

  private constructor(
    readonly path: string,
    readonly fd: number,
  ) {}

  static async open(dir: string): Promise<Root> {
    const fd = await fsx.open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
    return new Root(dir, fd);
  }

  static openSync(dir: string): Root {
    return new Root(dir, openSync(dir, O_PATH | O_DIRECTORY | O_CLOEXEC));
  }

  /** Path of `name` (one component, or '.') inside the directory `dirFd`. */
  at(dirFd: number, name: Buffer | string): Buffer {
    let pre = this.prefixes.get(dirFd);
    if (pre === undefined) {
      pre = Buffer.from(`/proc/self/fd/${dirFd}/`);
      this.prefixes.set(dirFd, pre);
    }
    return Buffer.concat([pre, typeof name === 'string' ? Buffer.from(name) : name]);
  }

  /** Human path for messages (never used for I/O). */
  show(parts: readonly Buffer[]): string {
    return '/' + parts.map((p) => p.toString('utf8')).join('/');
  }

  /**
   * fd of the directory named by `parts` (already cleaned), resolving symlinks inside the root.
   * Missing directories are created (0755) when `onCreate` is given, else ENOENT; never below
   * a symlink (upstream only creates parents when nothing at all is there, §2.1 step 3).
   * `key` is joinKey(parts) when the caller has it already (tar entries do: their cleaned name).
   */
  dir(parts: Buffer[], onCreate?: OnParentCreated, key = joinKey(parts)): number {
    if (parts.length === 0) return this.fd;
    if (this.lastGeneration === this.generation && key === this.lastKey) return this.lastFd;
    const fd = this.lookup(parts, key, onCreate);
    if (this.cache.size <= CACHE_LIMIT) {
      this.lastKey = key;
      this.lastFd = fd;
      this.lastGeneration = this.generation;
    }
    return fd;
  }

  private lookup(parts: Buffer[], key: string, onCreate?: OnParentCreated): number {
    if (this.cache.size > CACHE_LIMIT) this.evict();
    const hit = this.cache.get(key);
    if (hit !== undefined) return hit; // the usual case: the previous entry's directory
    let expansions = 0;
    for (;;) {
      const keys = prefixKeys(parts);
      let i = parts.length;
      let fd: number | undefined;
      for (; i > 0; i--) {
        fd = this.cache.get(keys[i]!);
        if (fd !== undefined) break;
      }
      if (fd === undefined) fd = this.fd;
      let restarted = false;
      for (; i < parts.length; i++) {
        const comp = parts[i]!;
        let nfd: number | undefined;
        try {
          nfd = sys.openat2Sync(fd, comp, { flags: O_PATH | O_DIRECTORY | O_NOFOLLOW });
        } catch (e) {
          const code = errCode(e);
          if (code === 'ENOENT' && onCreate !== undefined && expansions === 0) {
            try {
              sys.mkdiratSync(fd, comp, 0o755);
              onCreate(fd, comp);
            } catch (e2) {
              if (errCode(e2) !== 'EEXIST') throw e2;
            }
            i--; // open it on the next turn
            continue;
          }
          if (code !== 'ENOTDIR' && code !== 'ELOOP') {
            if (code === 'ENOENT') throw fsError('ENOENT', 'open', this.show(parts.slice(0, i + 1)));
            throw e;
          }
          const p = this.at(fd, comp);
          const st = lstatSync(p);
          if (!st.isSymbolicLink()) throw fsError('ENOTDIR', 'open', this.show(parts.slice(0, i + 1)));
          if (++expansions > MAX_SYMLINKS) throw fsError('ELOOP', 'open', this.show(parts));
          const target = readlinkSync(p, { encoding: 'buffer' });
          const base = target[0] === 0x2f ? [] : parts.slice(0, i);
          parts = cleanComponents(Buffer.concat([...base.flatMap((b) => [b, SLASH]), target, SLASH, ...parts.slice(i + 1).flatMap((b) => [b, SLASH])]));
          restarted = true;
          break;
        }
        this.cache.set(keys[i + 1]!, nfd);
        fd = nfd;
      }
      if (!restarted) return fd;
      if (parts.length === 0) return this.fd;
    }
  }

  /** Forgets the oldest half of the cached fds (depth-first tars rarely come back to them). */
  private evict(): void {
    this.generation++;
    let n = this.cache.size >> 1;
    for (const [k, fd] of this.cache) {
      if (n-- <= 0) break;
      this.cache.delete(k);
      this.retired.push(fd);
    }
  }

  /**
   * Forget cached directory fds: call after anything that removes or replaces a directory or
   * symlink. The fds stay open (a caller may still hold one) until `collect()`.
   */
  dropCache(): void {
    this.generation++;
    for (const fd of this.cache.values()) this.retired.push(fd);
    this.cache.clear();
  }

  /** Whether the directory `fd` has the setgid bit (new files then take its group); cached per fd. */
  isSetgid(fd: number): boolean {
    let v = this.setgid.get(fd);
    if (v === undefined) {
      v = (fstatSync(fd).mode & 0o2000) !== 0;
      this.setgid.set(fd, v);
    }
    return v;
  }

  /** Forget cached setgid bits: call after changing a directory's mode. */
  forgetModes(): void {
    this.setgid.clear();
  }

  /** Closes forgotten fds; call only when no fd obtained from `dir()` is in use. */
  collect(): void {
    for (const fd of this.retired) {
      this.prefixes.delete(fd);
      this.setgid.delete(fd);
      closeSync(fd);
    }
    this.retired.length = 0;
  }

  close(): void {
    this.dropCache();
    this.collect();
    this.prefixes.delete(this.fd);
    closeSync(this.fd);
  }
}

export function unsafe(message: string, entry?: string): ArchiveError {
  return new ArchiveError('ERR_ARCHIVE_UNSAFE_PATH', message, entry === undefined ? undefined : { entry });
}
