import { randomInt } from 'node:crypto';
import { constants, promises as fs, readdirSync } from 'node:fs';
import path from 'node:path';
import { ofdTryLock } from '@cs/sys';
import { DriverError, isErrno } from './errors.js';

/** HEAD internal/tempdir names (on-disk.md §4.3): `lock-<id>` files and `temp-dir-<id>` directories. */
const LOCK_PREFIX = 'lock-';
const DIR_PREFIX = 'temp-dir-';

/**
 * A staged-deletion directory (HEAD internal/tempdir): `<root>/lock-<id>` stays write-locked
 * while its owner lives; `stage()` renames paths into `<root>/temp-dir-<id>/<n>` (a cheap
 * rename, done while the caller holds its store lock) and `cleanup()` deletes them later,
 * outside that lock. Whoever finds the lock free (owner died) may remove both
 * (recoverStaleTempDirs). The root must be on the same filesystem as what is staged.
 */
export class TempDir {
  #lock: fs.FileHandle | null;
  #counter = 0;
  #dirMade = false;

  private constructor(
    readonly root: string,
    readonly lockPath: string,
    readonly dir: string,
    lock: fs.FileHandle,
  ) {
    this.#lock = lock;
  }

  /** Creates `<root>` (0700) and a fresh, locked `lock-<id>` in it. */
  static async create(root: string): Promise<TempDir> {
    await fs.mkdir(root, { recursive: true, mode: 0o700 });
    for (let attempt = 0; ; attempt++) {
      const id = String(randomInt(0, 2 ** 32));
      const lockPath = path.join(root, LOCK_PREFIX + id);
      let handle: fs.FileHandle;
      try {
        handle = await fs.open(lockPath, constants.O_RDWR | constants.O_CREAT | constants.O_EXCL, 0o600);
      } catch (err) {
        if (isErrno(err, 'EEXIST') && attempt < 100) continue;
        throw err;
      }
      // Between create and lock a recoverer may take the free lock and unlink the file: then
      // our lock guards nothing, so start over with another name.
      if ((await ofdTryLock(handle.fd, 'w')) && (await sameFile(handle, lockPath))) {
        return new TempDir(root, lockPath, path.join(root, DIR_PREFIX + id), handle);
      }
      await handle.close();
      if (attempt >= 100) throw new DriverError('ERR_TEMP_DIR', `could not lock a staged-deletion lock file in ${root}`);
    }
  }

  /** Moves `target` into the temp dir; false (nothing done) when it does not exist. */
  async stage(target: string): Promise<boolean> {
    if (this.#lock === null) throw new DriverError('ERR_TEMP_DIR', `staged-deletion directory ${this.dir} was already cleaned up`);
    try {
      await fs.lstat(target);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    }
    if (!this.#dirMade) {
      await fs.mkdir(this.dir, { recursive: true, mode: 0o700 });
      this.#dirMade = true;
    }
    await fs.rename(target, path.join(this.dir, String(this.#counter++)));
    return true;
  }

  /** Deletes what was staged, then the lock file, then lets go of the lock. Idempotent. */
  async cleanup(): Promise<void> {
    const lock = this.#lock;
    if (lock === null) return;
    this.#lock = null;
    try {
      await fs.rm(this.dir, { recursive: true, force: true });
      await fs.rm(this.lockPath, { force: true });
    } finally {
      await lock.close(); // closing the descriptor drops the OFD lock
    }
  }
}

/**
 * HEAD RecoverStaleDirs: for every `lock-<id>` / `temp-dir-<id>` in `root`, try-lock the lock
 * file (created when missing); when that works its owner is gone, so the temp dir and the lock
 * file are removed. Live ones (locked, by any process) are left alone. A missing root is fine.
 */
export async function recoverStaleTempDirs(root: string): Promise<void> {
  let names: string[];
  try {
    // Sync: every store open lists these (usually missing or empty) dirs, and one syscall is
    // cheaper than a thread-pool round trip; only stale entries take the async path below.
    names = readdirSync(root);
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return;
    throw err;
  }
  const ids = new Set<string>();
  for (const name of names) {
    if (name.startsWith(DIR_PREFIX)) ids.add(name.slice(DIR_PREFIX.length));
    else if (name.startsWith(LOCK_PREFIX)) ids.add(name.slice(LOCK_PREFIX.length));
  }
  for (const id of ids) {
    const lockPath = path.join(root, LOCK_PREFIX + id);
    let handle: fs.FileHandle;
    try {
      handle = await fs.open(lockPath, constants.O_RDWR | constants.O_CREAT, 0o600);
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'EISDIR')) continue;
      throw err;
    }
    try {
      if (!(await ofdTryLock(handle.fd, 'w'))) continue; // its owner is alive
      await fs.rm(path.join(root, DIR_PREFIX + id), { recursive: true, force: true });
      await fs.rm(lockPath, { force: true });
    } finally {
      await handle.close();
    }
  }
}

async function sameFile(handle: fs.FileHandle, p: string): Promise<boolean> {
  try {
    const [a, b] = await Promise.all([handle.stat(), fs.stat(p)]);
    return a.ino === b.ino && a.dev === b.dev;
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return false;
    throw err;
  }
}
