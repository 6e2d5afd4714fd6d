import { statSync } from 'node:fs';
import { chainValue, LockFile, runInChain } from '@cs/lockfile';
import { ReadOnlyStoreError, RecordsError } from './errors.js';
import { RWMutex } from './rw-mutex.js';

export interface GuardedFilesOptions {
  /** The store's lock file (created if missing, unless read-only). */
  lockPath: string;
  /** Additional (read-only) stores: only read locks, never a token write. */
  readOnly?: boolean;
  /**
   * Files whose modification time also means "another process wrote" (the layer store's JSON
   * files, on-disk.md §3.5); a change forces a reload even when the token did not move.
   */
  watchMtimeOf?: readonly string[];
  /** Reloads everything the lock guards; called with the lock held (read or write). */
  load: () => Promise<void>;
}

/**
 * The shared base of the layer, image and container stores: files guarded by one lock file.
 * Every access runs under the lock; the in-memory copy is reloaded when this process has not
 * loaded yet, when the lock's last-write token changed (another process saved), or when a
 * watched file's mtime changed. Saves write the token first, then the files (HEAD order,
 * §3.4), all under the write lock.
 */
export class GuardedFiles {
  private loaded = false;
  private readonly mtimes = new Map<string, bigint | null>();
  private refreshing: Promise<void> = Promise.resolve();
  private inWrite = false;
  private readonly local = new RWMutex();

  private constructor(
    readonly lock: LockFile,
    private readonly opts: GuardedFilesOptions,
  ) {}

  static async open(opts: GuardedFilesOptions): Promise<GuardedFiles> {
    const lock = await LockFile.open(opts.lockPath, { readOnly: opts.readOnly ?? false });
    return new GuardedFiles(lock, opts);
  }

  get readOnly(): boolean {
    return this.opts.readOnly ?? false;
  }

  /**
   * Run `fn` under the read lock, with fresh data loaded. Called again from inside `read` or
   * `write` on the same object (same async call chain), it runs `fn` under the lock already held.
   */
  async read<R>(fn: () => Promise<R> | R): Promise<R> {
    if (this.heldHere() !== undefined) return fn();
    await this.local.acquireRead();
    try {
      await this.lock.rLock();
      try {
        await this.refresh();
        return await this.runHolding('r', fn);
      } finally {
        await this.lock.unlock();
      }
    } finally {
      this.local.releaseRead();
    }
  }

  /**
   * Run `fn` under the write lock, with fresh data loaded. If `fn` fails, the in-memory copy
   * is marked stale so the next access reloads what is really on disk.
   */
  async write<R>(what: string, fn: () => Promise<R> | R): Promise<R> {
    if (this.readOnly) throw new ReadOnlyStoreError(what);
    const mode = this.heldHere();
    if (mode === 'w') return fn();
    if (mode === 'r') {
      throw new RecordsError('ERR_LOCK_UPGRADE', `${what}: cannot take the write lock while holding the read lock of ${this.lock.path}`);
    }
    await this.local.acquireWrite();
    try {
      await this.lock.lock();
      this.inWrite = true;
      try {
        await this.refresh();
        return await this.runHolding('w', fn);
      } catch (err) {
        this.loaded = false;
        throw err;
      } finally {
        this.inWrite = false;
        await this.lock.unlock();
      }
    } finally {
      this.local.releaseWrite();
    }
  }

  /**
   * Save: a fresh last-write token first, then `writeFiles` (which returns the paths it
   * wrote, so their new mtimes are remembered and not mistaken for a foreign write).
   * Must be called inside `write`.
   */
  async commit(writeFiles: () => Promise<readonly string[]>): Promise<void> {
    if (!this.inWrite || this.heldHere() !== 'w') {
      throw new RecordsError('ERR_NOT_WRITE_LOCKED', 'GuardedFiles.commit called without holding the write lock');
    }
    await this.lock.touch();
    const written = await writeFiles();
    for (const file of written) {
      if (this.mtimes.has(file) || this.opts.watchMtimeOf?.includes(file)) this.mtimes.set(file, await mtimeOf(file));
    }
  }

  /** How the current async call chain holds this object, if it does (to make nesting safe). */
  private heldHere(): 'r' | 'w' | undefined {
    return chainValue<'r' | 'w'>(this);
  }

  private runHolding<R>(mode: 'r' | 'w', fn: () => Promise<R> | R): Promise<R> | R {
    return runInChain(this, mode, fn);
  }

  /** Forget the in-memory copy; the next access reloads. */
  invalidate(): void {
    this.loaded = false;
  }

  async close(): Promise<void> {
    await this.lock.close();
  }

  // Serialized so that two concurrent readers in this process never load at the same time.
  private refresh(): Promise<void> {
    const next = this.refreshing.then(() => this.refreshNow());
    this.refreshing = next.catch(() => undefined);
    return next;
  }

  private async refreshNow(): Promise<void> {
    const tokenMoved = await this.lock.modified(); // always asked, so the remembered token stays current
    let stale = !this.loaded || tokenMoved;
    for (const file of this.opts.watchMtimeOf ?? []) {
      if ((await mtimeOf(file)) !== this.mtimes.get(file)) stale = true;
    }
    if (!stale) return;
    this.loaded = false;
    await this.opts.load();
    for (const file of this.opts.watchMtimeOf ?? []) this.mtimes.set(file, await mtimeOf(file));
    this.loaded = true;
  }
}

/** A synchronous stat: asked at every lock taking, where a thread-pool round trip costs far more. */
async function mtimeOf(file: string): Promise<bigint | null> {
  const st = statSync(file, { bigint: true, throwIfNoEntry: false });
  return st === undefined ? null : st.mtimeNs;
}
