import { closeSync, openSync, readFileSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriverError, findMount, isErrno } from '@cs/drivers';
import { llistxattr, mount, MNT, O, openat2Sync, RESOLVE, umount2 } from '@cs/sys';
import { MS } from './mount-flags.js';

export const MOUNT_PROGRAM_FLAG_FILE = '.has-mount-program';

// The flag file and the cached features (feature-cache.ts) are read at every driver open, so
// with synchronous calls: a few bytes each, where a thread-pool round trip costs far more.
export async function readMountProgramFlag(home: string): Promise<boolean | undefined> {
  try {
    const text = readFileSync(path.join(home, MOUNT_PROGRAM_FLAG_FILE), 'utf8');
    if (text === 'true') return true;
    if (text === 'false') return false;
    return undefined;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

export async function writeMountProgramFlag(home: string, value: boolean): Promise<void> {
  await writeFile(path.join(home, MOUNT_PROGRAM_FLAG_FILE), String(value), { mode: 0o600 });
}

/**
 * Go's test for a store written with a mount program (on-disk.md §5.4): an AUFS `.wh.` name
 * anywhere, or a directory xattr from fuse-overlayfs or force_mask. Mount points are skipped.
 */
export async function homeUsedMountProgram(home: string): Promise<boolean> {
  const walk = async (dir: string, depth: number): Promise<boolean> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR', 'EACCES')) return false;
      throw err;
    }
    for (const e of entries) {
      if (e.name.startsWith('.wh.')) return true;
      if (!e.isDirectory()) continue;
      const child = path.join(dir, e.name);
      // <home>/<ID>/merged may be a live mount and <home>/<ID>/work is kernel scratch
      if (depth === 1 && (e.name === 'merged' || e.name === 'work')) continue;
      let names: string[] = [];
      try {
        names = await llistxattr(child);
      } catch {
        // no xattr support: nothing to find
      }
      if (names.some((n) => n.startsWith('user.fuseoverlayfs.') || n.startsWith('user.containers.'))) return true;
      if (await walk(child, depth + 1)) return true;
    }
    return false;
  };
  return walk(home, 0);
}

/** Makes the home a private bind mount of itself, as Go's mount.MakePrivate (unless skip_mount_home). */
export async function makeHomePrivate(home: string): Promise<void> {
  try {
    if (!(await isMountPoint(home))) await mount(home, home, 'none', MS.BIND);
    await mount('', home, 'none', MS.PRIVATE);
  } catch (err) {
    throw new DriverError('ERR_DRIVER_MOUNT', `overlay: making ${home} a private mount: ${(err as Error).message}`, { cause: err });
  }
}

/**
 * Go's mountinfo.Mounted: first its openat2 test (opening the last name with RESOLVE_NO_XDEV
 * fails with EXDEV exactly on a mount point, one system call), the mount table when that test
 * cannot answer (no openat2, a seccomp filter, a missing parent, …).
 */
export async function isMountPoint(dir: string): Promise<boolean> {
  const abs = path.resolve(dir);
  const parent = path.dirname(abs);
  if (parent !== abs) {
    let parentFd: number | undefined;
    try {
      parentFd = openSync(parent, O.PATH | O.DIRECTORY | O.CLOEXEC);
      closeSync(openat2Sync(parentFd, path.basename(abs), { flags: O.PATH | O.CLOEXEC | O.NOFOLLOW, resolve: RESOLVE.NO_XDEV }));
      return false;
    } catch (err) {
      if (isErrno(err, 'EXDEV')) return true;
    } finally {
      if (parentFd !== undefined) closeSync(parentFd);
    }
  }
  return (await findMount(abs)) !== undefined;
}

/** Undoes makeHomePrivate; a home that is not (or no longer) a mount point is fine. */
export async function unmountHome(home: string): Promise<void> {
  const entry = await findMount(home);
  if (!entry) return;
  try {
    await umount2(home, MNT.DETACH);
  } catch (err) {
    if (!isErrno(err, 'EINVAL')) throw err;
  }
}
