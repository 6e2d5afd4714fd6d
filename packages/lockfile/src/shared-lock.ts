import { closeSync, constants, openSync, readSync, statSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { ofdLock, ofdTryLockSync, ofdUnlockSync } from '@cs/sys';
import { LockFileError } from './errors.js';
import { TOKEN_SIZE } from './token.js';

export type LockKind = 'r' | 'w';

interface Waiter {
  kind: LockKind;
  grant: () => void;
}

/**
 * The one per-process state of a lock file path, shared by every LockFile object on it:
 * one descriptor (so one open file description, which owns the OFD lock), an in-process
 * reader/writer mutex, and the OFD lock that stands for all in-process holders.
 *
 * In-process admission is FIFO: a reader joins the active readers only when nobody is
 * queued, so a waiting writer is never starved by a stream of readers (and readers queued
 * behind a writer go in together after it). The first reader of a group takes the OFD read
 * lock for the group; the last one out drops it. A writer takes the OFD write lock. While
 * the OFD lock changes hands ("transition"), nobody enters.
 *
 * The descriptor stays open while any LockFile object on the path is open, and is closed
 * once the last one is closed and nobody holds or waits on the lock.
 *
 * Opening, closing and the 64-byte token I/O are synchronous calls on the raw descriptor: each
 * takes microseconds on a local lock file, where a thread-pool round trip costs much more (a
 * short command does a dozen of them).
 */
export class SharedLock {
  readonly path: string;
  #fd: number;
  #writable: boolean;
  /** A read-write descriptor waiting to replace a read-only one once the lock is idle. */
  #pendingFd: number | null = null;
  #users = 0;
  #closed = false;

  #readers = 0;
  #writer = false;
  #transition = false;
  #queue: Waiter[] = [];
  /** The OFD read lock of the current reader group (pending, or resolved once held). */
  #readOfd: Promise<void> | null = null;
  #readOfdHeld = false;

  private constructor(path: string, fd: number, writable: boolean) {
    this.path = path;
    this.#fd = fd;
    this.#writable = writable;
  }

  static async create(path: string, writable: boolean): Promise<SharedLock> {
    return new SharedLock(path, openLockFile(path, writable), writable);
  }

  get closed(): boolean {
    return this.#closed;
  }

  get writable(): boolean {
    return this.#writable || this.#pendingFd !== null;
  }

  addUser(): void {
    this.#users++;
  }

  /** One LockFile object is done with the path; the last one closes the descriptor when idle. */
  removeUser(): void {
    this.#users--;
    this.#onIdle();
  }

  /** Take a read-write descriptor in place of a read-only one, at the next idle moment. */
  adoptWritableFd(fd: number): void {
    if (this.#writable || this.#pendingFd !== null) {
      closeQuietly(fd);
      return;
    }
    this.#pendingFd = fd;
    this.#onIdle();
  }

  // ---- acquisition -------------------------------------------------------------------

  /** Waits for the in-process slot, then for the OFD lock. An abort rejects at once; a
   *  native OFD wait cannot be cancelled, so its slot is given back when it completes. */
  async acquire(kind: LockKind, signal?: AbortSignal): Promise<void> {
    if (signal?.aborted) throw abortError(this.path, signal);
    await this.#enter(kind, signal);
    const ofd = kind === 'r' ? this.#groupReadOfd() : ofdTakeLock(this.#fd, 'w');
    if (!signal) {
      try {
        await ofd;
      } catch (err) {
        await this.#leave(kind).catch(() => {});
        throw err;
      }
      return;
    }
    let aborted: boolean;
    try {
      aborted = await raceAbort(ofd, signal);
    } catch (err) {
      await this.#leave(kind).catch(() => {});
      throw err;
    }
    if (aborted) {
      const giveBack = () => void this.#leave(kind).catch(() => {});
      ofd.then(giveBack, giveBack);
      throw abortError(this.path, signal);
    }
  }

  /** Non-blocking: true when both the in-process slot and the OFD lock were free. */
  async tryAcquire(kind: LockKind): Promise<boolean> {
    if (!this.#canEnterNow(kind)) return false;
    if (kind === 'r' && this.#readers > 0) {
      if (!this.#readOfdHeld) return false; // the group is still waiting for the OFD lock
      this.#readers++;
      return true;
    }
    if (kind === 'w') this.#writer = true;
    else {
      this.#readers++;
      this.#transition = true;
    }
    let acquired = false;
    try {
      acquired = ofdTryLockSync(this.#fd, kind);
    } finally {
      if (acquired) {
        if (kind === 'r') {
          this.#readOfd = Promise.resolve();
          this.#readOfdHeld = true;
          this.#transition = false;
        }
      } else if (kind === 'w') {
        this.#writer = false;
      } else {
        this.#readers--;
        this.#transition = false;
      }
      if (!acquired || kind === 'r') {
        this.#onIdle();
        this.#pump();
      }
    }
    return acquired;
  }

  /** A read lock nested in one the caller already holds: never queues (that could deadlock). */
  joinNestedReader(): void {
    this.#readers++;
  }

  async release(kind: LockKind): Promise<void> {
    await this.#leave(kind);
  }

  // ---- the last-write token ----------------------------------------------------------

  /** pread up to 64 bytes at offset 0 through the lock's own descriptor. */
  async readToken(): Promise<Buffer> {
    const buf = Buffer.alloc(TOKEN_SIZE);
    const bytesRead = readSync(this.#fd, buf, 0, TOKEN_SIZE, 0);
    return buf.subarray(0, bytesRead);
  }

  /** pwrite exactly 64 bytes at offset 0; never truncates. */
  async writeToken(token: Buffer): Promise<void> {
    let done = 0;
    while (done < TOKEN_SIZE) {
      const bytesWritten = writeSync(this.#fd, token, done, TOKEN_SIZE - done, done);
      if (bytesWritten <= 0) throw new LockFileError('ERR_LOCK_SHORT_WRITE', this.path, 'short write of the lock token');
      done += bytesWritten;
    }
  }

  // ---- in-process mutex --------------------------------------------------------------

  #canEnterNow(kind: LockKind): boolean {
    if (this.#writer || this.#transition || this.#queue.length > 0) return false;
    return kind === 'r' || this.#readers === 0;
  }

  #enter(kind: LockKind, signal?: AbortSignal): Promise<void> {
    if (this.#canEnterNow(kind)) {
      if (kind === 'w') this.#writer = true;
      else this.#readers++;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(abortError(this.path, signal!));
        this.#pump(); // a writer leaving the head may let readers behind it in
      };
      const waiter: Waiter = {
        kind,
        grant: () => {
          signal?.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#queue.push(waiter);
    });
  }

  #pump(): void {
    if (this.#writer || this.#transition) return;
    for (let head = this.#queue[0]; head; head = this.#queue[0]) {
      if (head.kind === 'w') {
        if (this.#readers > 0) return;
        this.#queue.shift();
        this.#writer = true;
        head.grant();
        return;
      }
      this.#queue.shift();
      this.#readers++;
      head.grant();
    }
  }

  #groupReadOfd(): Promise<void> {
    this.#readOfd ??= ofdTakeLock(this.#fd, 'r').then(() => {
      this.#readOfdHeld = true;
    });
    return this.#readOfd;
  }

  async #leave(kind: LockKind): Promise<void> {
    if (kind === 'r') {
      this.#readers--;
      if (this.#readers > 0) return;
      this.#transition = true;
    }
    try {
      // F_OFD_SETLK to unlock never blocks: done in place, no thread-pool round trip.
      ofdUnlockSync(this.#fd);
    } finally {
      if (kind === 'r') {
        this.#readOfd = null;
        this.#readOfdHeld = false;
        this.#transition = false;
      } else {
        this.#writer = false;
      }
      this.#onIdle();
      this.#pump();
    }
  }

  /** Work that must wait until nobody holds the lock: swapping in a writable descriptor, closing. */
  #onIdle(): void {
    if (this.#readers > 0 || this.#writer || this.#transition || this.#closed) return;
    if (this.#pendingFd !== null) {
      const old = this.#fd;
      this.#fd = this.#pendingFd;
      this.#pendingFd = null;
      this.#writable = true;
      closeQuietly(old);
    }
    if (this.#users === 0 && this.#queue.length === 0) {
      this.#closed = true;
      if (registry.get(this.path) === this.#entry) registry.delete(this.path);
      closeQuietly(this.#fd);
    }
  }

  /** The registry entry this state was published under (set by openShared). */
  #entry: Promise<SharedLock> | null = null;
  setEntry(entry: Promise<SharedLock>): void {
    this.#entry = entry;
  }
}

const registry = new Map<string, Promise<SharedLock>>();

/** The shared state of an absolute path, counted as one more user; writable upgrades a read-only descriptor. */
export async function openShared(path: string, writable: boolean): Promise<SharedLock> {
  for (;;) {
    let entry = registry.get(path);
    if (!entry) {
      const created = SharedLock.create(path, writable);
      entry = created;
      registry.set(path, created);
      created.then(
        (s) => s.setEntry(created),
        () => {
          if (registry.get(path) === created) registry.delete(path);
        },
      );
    }
    const shared = await entry;
    if (shared.closed) continue; // closed while we waited: make a new one
    shared.addUser();
    if (writable && !shared.writable) {
      try {
        shared.adoptWritableFd(openLockFile(path, true));
      } catch (err) {
        shared.removeUser();
        throw err;
      }
    }
    return shared;
  }
}

function openLockFile(path: string, writable: boolean): number {
  // Node opens every descriptor with O_CLOEXEC; O_CREAT without O_TRUNC never empties the token.
  const flags = (writable ? constants.O_RDWR : constants.O_RDONLY) | constants.O_CREAT;
  try {
    return openSync(path, flags, 0o644);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if ((code === 'ENOENT' || code === 'ENOTDIR') && !isDirectory(dirname(path))) {
      throw new LockFileError('ERR_LOCK_DIR_MISSING', path, 'the folder of the lock file does not exist', { cause: err });
    }
    throw err;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    // already gone: nothing to release
  }
}

/**
 * The OFD lock of one fd: a non-blocking try first (a plain fcntl, done in place), and only
 * on contention the blocking wait, which needs a native thread of its own. Uncontended
 * locks, nearly all of them in a short CLI run, then start no thread.
 */
function ofdTakeLock(fd: number, kind: LockKind): Promise<void> {
  try {
    if (ofdTryLockSync(fd, kind)) return Promise.resolve();
  } catch (err) {
    return Promise.reject(err);
  }
  return ofdLock(fd, kind);
}

function abortError(path: string, signal: AbortSignal): LockFileError {
  return new LockFileError('ERR_LOCK_ABORTED', path, 'gave up waiting for the lock', { cause: signal.reason });
}

/** Resolves true if the signal fires first, false if `p` settles first (rejections propagate). */
function raceAbort(p: Promise<void>, signal: AbortSignal): Promise<boolean> {
  if (signal.aborted) return Promise.resolve(true);
  return new Promise<boolean>((resolve, reject) => {
    const onAbort = () => resolve(true);
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      () => {
        signal.removeEventListener('abort', onAbort);
        resolve(false);
      },
      (err) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
