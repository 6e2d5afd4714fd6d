import { createRequire } from 'node:module';
import { SysError } from './errors.js';

/** A path as a string, or as raw bytes (non-UTF-8 names). */
export type PathArg = string | Buffer;
/** OFD lock kind: shared read or exclusive write. */
export type LockKind = 'r' | 'w';
/** Who would block a lock of ours (pid is -1 when the holder is an OFD lock). */
export interface LockHolder {
  kind: LockKind;
  pid: number;
}
export interface OpenHow {
  flags: number;
  /** permission bits for O_CREAT/O_TMPFILE (default 0o666, before umask) */
  mode?: number;
  /** RESOLVE.* bits */
  resolve?: number;
}

/** A destination range of fideduperange (offset defaults to 0). */
export interface DedupeDest {
  fd: number;
  offset?: number;
}
/** Per destination: 'differs' (bytes not equal, nothing shared) and 'error' (error set) are answers, not rejections. */
export interface DedupeResult {
  bytesDeduped: number;
  status: 'same' | 'differs' | 'error';
  error?: Error & { code: string; errno: number };
}

/** An ISA-L inflate state (opaque). */
export type GzipInflateHandle = { readonly __gzipInflate: unique symbol };
/** One inflate call: input bytes used, output bytes written, and whether a gzip member ended (trailer checked). */
export interface GzipInflateStep {
  consumed: number;
  produced: number;
  memberEnd: boolean;
}

type Constants<K extends string> = Readonly<Record<K, number>>;

/** The native module's exports (see src/native/). Times are bigint ns; null means "leave unchanged". */
export interface SysBinding {
  mount(source: PathArg | null, target: PathArg, fstype: string | null, flags: number, data?: string | null): Promise<void>;
  umount2(target: PathArg, flags?: number): Promise<void>;

  mknod(path: PathArg, mode: number, dev: number): Promise<void>;
  mknodSync(path: PathArg, mode: number, dev: number): void;
  mknodat(dirfd: number, path: PathArg, mode: number, dev: number): Promise<void>;
  mknodatSync(dirfd: number, path: PathArg, mode: number, dev: number): void;
  makedev(major: number, minor: number): number;
  major(dev: number): number;
  minor(dev: number): number;

  lgetxattr(path: PathArg, name: string): Promise<Buffer>;
  lgetxattrSync(path: PathArg, name: string): Buffer;
  lsetxattr(path: PathArg, name: string, value: Uint8Array, flags?: number): Promise<void>;
  lsetxattrSync(path: PathArg, name: string, value: Uint8Array, flags?: number): void;
  llistxattr(path: PathArg): Promise<string[]>;
  llistxattrSync(path: PathArg): string[];
  lremovexattr(path: PathArg, name: string): Promise<void>;
  lremovexattrSync(path: PathArg, name: string): void;
  fgetxattr(fd: number, name: string): Promise<Buffer>;
  fgetxattrSync(fd: number, name: string): Buffer;
  fsetxattr(fd: number, name: string, value: Uint8Array, flags?: number): Promise<void>;
  fsetxattrSync(fd: number, name: string, value: Uint8Array, flags?: number): void;
  flistxattr(fd: number): Promise<string[]>;
  flistxattrSync(fd: number): string[];
  fremovexattr(fd: number, name: string): Promise<void>;
  fremovexattrSync(fd: number, name: string): void;

  ofdTryLock(fd: number, kind: LockKind): Promise<boolean>;
  ofdTryLockSync(fd: number, kind: LockKind): boolean;
  ofdLock(fd: number, kind: LockKind): Promise<void>;
  ofdUnlock(fd: number): Promise<void>;
  ofdUnlockSync(fd: number): void;
  ofdGetLock(fd: number, kind: LockKind): Promise<LockHolder | null>;
  ofdGetLockSync(fd: number, kind: LockKind): LockHolder | null;

  utimensat(dirfd: number, path: PathArg, atimeNs: bigint | null, mtimeNs: bigint | null, flags?: number): Promise<void>;
  utimensatSync(dirfd: number, path: PathArg, atimeNs: bigint | null, mtimeNs: bigint | null, flags?: number): void;
  lutimens(path: PathArg, atimeNs: bigint | null, mtimeNs: bigint | null): Promise<void>;
  lutimensSync(path: PathArg, atimeNs: bigint | null, mtimeNs: bigint | null): void;
  futimens(fd: number, atimeNs: bigint | null, mtimeNs: bigint | null): Promise<void>;
  futimensSync(fd: number, atimeNs: bigint | null, mtimeNs: bigint | null): void;

  renameat2(oldPath: PathArg, newPath: PathArg, flags: number): Promise<void>;
  renameat2Sync(oldPath: PathArg, newPath: PathArg, flags: number): void;
  openat2(dirfd: number, path: PathArg, how: OpenHow): Promise<number>;
  openat2Sync(dirfd: number, path: PathArg, how: OpenHow): number;
  mkdirat(dirfd: number, path: PathArg, mode: number): Promise<void>;
  mkdiratSync(dirfd: number, path: PathArg, mode: number): void;
  symlinkat(target: PathArg, dirfd: number, path: PathArg): Promise<void>;
  symlinkatSync(target: PathArg, dirfd: number, path: PathArg): void;
  linkat(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags: number): Promise<void>;
  linkatSync(olddirfd: number, oldpath: PathArg, newdirfd: number, newpath: PathArg, flags: number): void;
  unlinkat(dirfd: number, path: PathArg, flags: number): Promise<void>;
  unlinkatSync(dirfd: number, path: PathArg, flags: number): void;
  fchownat(dirfd: number, path: PathArg, uid: number, gid: number, flags: number): Promise<void>;
  fchownatSync(dirfd: number, path: PathArg, uid: number, gid: number, flags: number): void;
  fchmodat(dirfd: number, path: PathArg, mode: number): Promise<void>;
  fchmodatSync(dirfd: number, path: PathArg, mode: number): void;

  syncfs(fd: number): Promise<void>;
  fsyncDir(path: PathArg): Promise<void>;

  /** FIDEDUPERANGE on srcFd: shares [srcOffset, srcOffset+length) with each destination whose bytes are equal. */
  fideduperange(srcFd: number, srcOffset: number, length: number, dests: readonly DedupeDest[]): Promise<DedupeResult[]>;

  /**
   * CRC-64/ISO as Go's crc64.Update(crc, crc64.MakeTable(crc64.ISO), data): `crc` holds the running value as
   * [high 32 bits, low 32 bits] (start at [0, 0]) and is updated in place. Synchronous, on the calling
   * thread, no copy of `data` (carry-less multiply where the CPU has it).
   */
  crc64IsoUpdate(crc: Uint32Array, data: ArrayBufferView): void;

  /**
   * Extraction of one regular file in one call (src/native/op_file.c): creates `name` (one component) in
   * `dirfd` with O_CREAT|O_EXCL|O_NOFOLLOW, writes `data` (updating the CRC-64/ISO `crc` when given), then
   * owner, xattrs, mode and times as `attrs` (FILE_ATTR slots, FILE_FLAG bits) say, and closes. Returns -1,
   * or with FILE_FLAG.KEEP_OPEN the open fd for fileWriteSync/fileFinishSync. Errors are SysErrors naming the
   * failed call; the fd is closed on any failure after the create.
   */
  fileCreateAtSync(dirfd: number, name: PathArg, data: Uint8Array | null, attrs: Float64Array, crc?: Uint32Array | null,
    xattrs?: ReadonlyArray<readonly [string, Uint8Array]> | null): number;
  /** Writes all of `data` to `fd` (updating `crc` when given). */
  fileWriteSync(fd: number, data: Uint8Array, crc?: Uint32Array | null): void;
  /** Owner, xattrs, mode and times of an open file, then closes it (always, also on failure). */
  fileFinishSync(fd: number, attrs: Float64Array, xattrs?: ReadonlyArray<readonly [string, Uint8Array]> | null): void;
  /**
   * Owner (lchown), xattrs (lsetxattr), mode (fchmodat: leave FILE_FLAG.CHMOD out for symlinks) and times
   * (utimensat, not following) of an existing object `name` in `dirfd`, in that order, in one call.
   */
  setAttrsAtSync(dirfd: number, name: PathArg, attrs: Float64Array, xattrs?: ReadonlyArray<readonly [string, Uint8Array]> | null): void;

  /** Whether gzip inflate through ISA-L is available (built with its headers, libisal.so.2 loadable). */
  gzipInflateAvailable(): boolean;
  /** Present only when the addon was built with ISA-L: see inflate.ts for the wrapper. */
  gzipInflateCreate?(): GzipInflateHandle;
  gzipInflate?(handle: GzipInflateHandle, input: Uint8Array, output: Uint8Array): Promise<GzipInflateStep>;
  gzipInflateReset?(handle: GzipInflateHandle): void;

  setErrorClass(ctor: new (message: string) => Error): void;

  MS: Constants<'RDONLY' | 'NOSUID' | 'NODEV' | 'NOEXEC' | 'SYNCHRONOUS' | 'REMOUNT' | 'MANDLOCK' | 'DIRSYNC' | 'NOSYMFOLLOW'
    | 'NOATIME' | 'NODIRATIME' | 'BIND' | 'MOVE' | 'REC' | 'SILENT' | 'POSIXACL' | 'UNBINDABLE' | 'PRIVATE' | 'SLAVE'
    | 'SHARED' | 'RELATIME' | 'STRICTATIME' | 'LAZYTIME'>;
  MNT: Constants<'FORCE' | 'DETACH' | 'EXPIRE' | 'UMOUNT_NOFOLLOW'>;
  XATTR: Constants<'CREATE' | 'REPLACE'>;
  RENAME: Constants<'NOREPLACE' | 'EXCHANGE' | 'WHITEOUT'>;
  RESOLVE: Constants<'NO_XDEV' | 'NO_MAGICLINKS' | 'NO_SYMLINKS' | 'BENEATH' | 'IN_ROOT' | 'CACHED'>;
  AT: Constants<'FDCWD' | 'SYMLINK_NOFOLLOW' | 'SYMLINK_FOLLOW' | 'REMOVEDIR' | 'EMPTY_PATH'>;
  O: Constants<'PATH' | 'DIRECTORY' | 'NOFOLLOW' | 'CLOEXEC' | 'RDONLY' | 'WRONLY' | 'RDWR' | 'CREAT' | 'EXCL' | 'TRUNC'
    | 'APPEND' | 'NONBLOCK' | 'NOCTTY' | 'TMPFILE' | 'NOATIME'>;
}

// The same relative path works from src/ (vitest) and from dist/ (the built package).
const binding = createRequire(import.meta.url)('../build/Release/cs_sys.node') as SysBinding;
binding.setErrorClass(SysError);

export { binding };
