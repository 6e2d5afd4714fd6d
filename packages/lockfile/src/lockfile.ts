import { resolve } from 'node:path';
import { LockFileError } from './errors.js';
import { openShared, type LockKind, type SharedLock } from './shared-lock.js';
import { newToken } from './token.js';

export interface LockFileOpenOptions {
  /** Open O_RDONLY (for read-only / additional stores): only read locks, never a token write. */
  readOnly?: boolean;
}

export interface LockWaitOptions {
  /** Stop waiting when it fires (e.g. AbortSignal.timeout(ms)); rejects with code 'ERR_LOCK_ABORTED'. */
  signal?: AbortSignal;
}

/** A last-write token as read from (or written to) the first bytes of a lock file. */
export type LastWrite = Buffer;

/**
 * A read/write lock on a lock file, honoured by the Go containers/storage code
 * (OFD record locks conflict with its POSIX fcntl locks), plus the "last write" token.
 *
 * Every LockFile object on one absolute path in this process shares one descriptor and one
 * in-process RW mutex, so objects exclude each other like separate processes would. Each
 * object remembers the last token it saw or wrote, so `modified()` answers "has anyone else
 * written since this object last looked".
 *
 * Re-entrancy follows the Go lock: read locks nest (each rLock() needs its unlock()); the
 * write lock does not. Where Go would deadlock (lock() while holding, rLock() while holding
 * the write lock) this throws ERR_LOCK_HELD instead.
 */
export class LockFile {
  readonly path: string;
  readonly readOnly: boolean;
  #shared: SharedLock | null;
  #readHolds = 0;
  #writeHeld = false;
  #lastSeen: Buffer | null = null;

  private constructor(path: string, readOnly: boolean, shared: SharedLock) {
    this.path = path;
    this.readOnly = readOnly;
    this.#shared = shared;
  }

  /**
   * Opens (creating if needed, mode 0644, never truncating) the lock file at `path`.
   * The folder must exist: LockFileError 'ERR_LOCK_DIR_MISSING' otherwise.
   */
  static async open(path: string, opts: LockFileOpenOptions = {}): Promise<LockFile> {
    if (typeof path !== 'string' || path === '' || path.includes('\0')) {
      throw new LockFileError('ERR_LOCK_INVALID_PATH', String(path), 'lock file path must be a non-empty string');
    }
    const abs = resolve(path);
    const readOnly = opts.readOnly === true;
    return new LockFile(abs, readOnly, await openShared(abs, !readOnly));
  }

  /** What this object holds right now. */
  get locked(): LockKind | null {
    return this.#writeHeld ? 'w' : this.#readHolds > 0 ? 'r' : null;
  }

  /** Write lock: waits for every other holder, in this process and in others. */
  async lock(opts: LockWaitOptions = {}): Promise<void> {
    const shared = this.#live();
    this.#checkWritable('write-lock');
    this.#checkNotHeld();
    await shared.acquire('w', opts.signal);
    await this.#keepUnlessClosed(shared, 'w');
    this.#writeHeld = true;
  }

  /** Read lock: shared with other readers; nests when this object already holds a read lock. */
  async rLock(opts: LockWaitOptions = {}): Promise<void> {
    const shared = this.#live();
    if (this.#writeHeld) throw new LockFileError('ERR_LOCK_HELD', this.path, 'read lock requested while holding the write lock');
    if (this.#readHolds > 0) shared.joinNestedReader();
    else {
      await shared.acquire('r', opts.signal);
      await this.#keepUnlessClosed(shared, 'r');
    }
    this.#readHolds++;
  }

  /** Write lock if free right now (in this process and elsewhere); false otherwise. */
  async tryLock(): Promise<boolean> {
    const shared = this.#live();
    this.#checkWritable('write-lock');
    this.#checkNotHeld();
    if (!(await shared.tryAcquire('w'))) return false;
    await this.#keepUnlessClosed(shared, 'w');
    this.#writeHeld = true;
    return true;
  }

  /** Read lock if no writer holds or waits right now; false otherwise. */
  async tryRLock(): Promise<boolean> {
    const shared = this.#live();
    if (this.#writeHeld) throw new LockFileError('ERR_LOCK_HELD', this.path, 'read lock requested while holding the write lock');
    if (this.#readHolds > 0) shared.joinNestedReader();
    else if (!(await shared.tryAcquire('r'))) return false;
    else await this.#keepUnlessClosed(shared, 'r');
    this.#readHolds++;
    return true;
  }

  /** Releases the write lock, or one level of read lock. */
  async unlock(): Promise<void> {
    const shared = this.#live();
    if (this.#writeHeld) {
      this.#writeHeld = false;
      await shared.release('w');
    } else if (this.#readHolds > 0) {
      this.#readHolds--;
      await shared.release('r');
    } else {
      throw new LockFileError('ERR_NOT_LOCKED', this.path, 'unlock of a lock file that is not locked');
    }
  }

  /** Runs `fn` under the write lock. */
  async withLock<T>(fn: () => Promise<T> | T, opts?: LockWaitOptions): Promise<T> {
    await this.lock(opts);
    try {
      return await fn();
    } finally {
      await this.unlock();
    }
  }

  /** Runs `fn` under a read lock. */
  async withRLock<T>(fn: () => Promise<T> | T, opts?: LockWaitOptions): Promise<T> {
    await this.rLock(opts);
    try {
      return await fn();
    } finally {
      await this.unlock();
    }
  }

  /** Records a write (needs the write lock): a fresh 64-byte Go-format token at offset 0. */
  async touch(): Promise<void> {
    await this.recordWrite();
  }

  /** Like touch(), returning the token written (HEAD's RecordWrite). */
  async recordWrite(): Promise<LastWrite> {
    const shared = this.#live();
    this.#checkWritable('write the token of');
    if (!this.#writeHeld) throw new LockFileError('ERR_NOT_WRITE_LOCKED', this.path, 'recording a write needs the write lock');
    const token = newToken();
    await shared.writeToken(token);
    this.#lastSeen = token;
    return Buffer.from(token);
  }

  /**
   * Needs a lock. True when the token differs from the one this object last saw or wrote
   * (always true on the first call); then remembers the current one. A short or empty lock
   * file is compared as it is (as HEAD does), so an untouched empty file reads as unchanged.
   */
  async modified(): Promise<boolean> {
    const current = await this.getLastWrite();
    const changed = this.#lastSeen === null || !current.equals(this.#lastSeen);
    this.#lastSeen = current;
    return changed;
  }

  /** Needs a lock. The current token (0–64 bytes), without changing what modified() remembers. */
  async getLastWrite(): Promise<LastWrite> {
    const shared = this.#live();
    if (!this.#writeHeld && this.#readHolds === 0) {
      throw new LockFileError('ERR_NOT_LOCKED', this.path, 'reading the last-write token needs a lock');
    }
    return shared.readToken();
  }

  /** Needs a lock. Compares the current token with `previous` (HEAD's ModifiedSince). */
  async modifiedSince(previous: LastWrite): Promise<{ modified: boolean; lastWrite: LastWrite }> {
    const current = await this.getLastWrite();
    return { modified: !current.equals(previous), lastWrite: current };
  }

  /**
   * Releases whatever this object holds and lets go of the path. The shared descriptor is
   * closed when the last LockFile object on the path is closed and nobody holds the lock.
   */
  async close(): Promise<void> {
    const shared = this.#shared;
    if (!shared) return;
    try {
      while (this.locked) await this.unlock();
    } finally {
      this.#shared = null;
      shared.removeUser();
    }
  }

  /** A lock granted after close() (the call was still waiting) is handed straight back. */
  async #keepUnlessClosed(shared: SharedLock, kind: LockKind): Promise<void> {
    if (this.#shared === shared) return;
    await shared.release(kind);
    throw new LockFileError('ERR_LOCK_CLOSED', this.path, 'lock file object was closed while waiting');
  }

  #live(): SharedLock {
    if (!this.#shared) throw new LockFileError('ERR_LOCK_CLOSED', this.path, 'lock file object is closed');
    return this.#shared;
  }

  #checkWritable(what: string): void {
    if (this.readOnly) throw new LockFileError('ERR_LOCK_READ_ONLY', this.path, `cannot ${what} a lock file opened read-only`);
  }

  #checkNotHeld(): void {
    if (this.#writeHeld || this.#readHolds > 0) {
      throw new LockFileError('ERR_LOCK_HELD', this.path, 'write lock requested while this object already holds a lock');
    }
  }
}
