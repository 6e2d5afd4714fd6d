import { chainValue, runInChain } from '@cs/lockfile';

export type LockMode = 'r' | 'w';

/** The part of @cs/lockfile's LockFile the store uses. */
export interface StoreLock {
  lock(): Promise<void>;
  rLock(): Promise<void>;
  unlock(): Promise<void>;
}

/**
 * Re-entrant holding of one store's lock across an async call chain. An operation that runs
 * inside `withWriteLock` (for example a Store deleting a layer after checking images) must not
 * take the lock again: the context travels with the async call chain (@cs/lockfile's
 * runInChain, through promise chains), so nested calls see that the lock is already theirs.
 * Calls from unrelated chains still queue up.
 */
export class LockScope {
  readonly #local = new LocalRWMutex();
  #refreshing: Promise<unknown> = Promise.resolve();

  constructor(readonly lockFile: StoreLock) {}

  /** The mode this async chain already holds, if any. */
  held(): LockMode | undefined {
    return chainValue<LockMode>(this);
  }

  /**
   * Runs `fn` holding the lock in `mode`. `onAcquired` runs right after the lock was taken (the
   * store reloads there) and may ask for a retry in write mode by returning 'upgrade'.
   */
  async run<T>(mode: LockMode, onAcquired: (mode: LockMode) => Promise<'ok' | 'upgrade'>, fn: () => Promise<T>): Promise<T> {
    const held = this.held();
    if (held === 'w' || held === mode) return fn();
    if (held === 'r') throw new Error('cannot take the layer store write lock while holding its read lock');
    const release = await this.acquire(mode, onAcquired);
    try {
      return await runInChain(this, mode, fn);
    } finally {
      await release();
    }
  }

  /**
   * Takes the lock and returns its release function, for work that outlives one call (a diff
   * stream keeps the read lock until it ends). Inside a scope that already holds it, releasing
   * does nothing.
   */
  async acquire(mode: LockMode, onAcquired: (mode: LockMode) => Promise<'ok' | 'upgrade'>): Promise<() => Promise<void>> {
    const held = this.held();
    if (held === 'w' || held === mode) return async () => {};
    if (held === 'r') throw new Error('cannot take the layer store write lock while holding its read lock');
    for (let attempt = 0; ; attempt++) {
      await this.#take(mode);
      let outcome: 'ok' | 'upgrade';
      try {
        outcome = await this.#serialized(() => runInChain(this, mode, () => onAcquired(mode)));
      } catch (err) {
        await this.#release(mode);
        throw err;
      }
      if (outcome === 'ok' || attempt >= 3) {
        let released = false;
        return async () => {
          if (released) return;
          released = true;
          await this.#release(mode);
        };
      }
      // A reader found work only a writer may do (incomplete layers): do it under the write
      // lock, then come back as a reader (HEAD retries up to 3 times as well).
      await this.#release(mode);
      await this.#take('w');
      try {
        await runInChain(this, 'w', () => onAcquired('w'));
      } finally {
        await this.#release('w');
      }
    }
  }

  /** In-process exclusion first (one LockFile object cannot tell async chains apart), then the file lock. */
  async #take(mode: LockMode): Promise<void> {
    await (mode === 'w' ? this.#local.acquireWrite() : this.#local.acquireRead());
    try {
      if (mode === 'w') await this.lockFile.lock();
      else await this.lockFile.rLock();
    } catch (err) {
      if (mode === 'w') this.#local.releaseWrite();
      else this.#local.releaseRead();
      throw err;
    }
  }

  async #release(mode: LockMode): Promise<void> {
    try {
      await this.lockFile.unlock();
    } finally {
      if (mode === 'w') this.#local.releaseWrite();
      else this.#local.releaseRead();
    }
  }

  /** Two readers of this process never reload at the same time (the second sees the first's result). */
  #serialized<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.#refreshing.then(fn);
    this.#refreshing = next.catch(() => undefined);
    return next;
  }

  /** Runs `fn` as if the lock were held in `mode` (used while acquire()'s caller holds it). */
  within<T>(mode: LockMode, fn: () => T): T {
    return runInChain(this, mode, fn);
  }
}

/** A small async readers/writer mutex; waiting writers go before newly arriving readers. */
class LocalRWMutex {
  #readers = 0;
  #writer = false;
  #queue: Array<{ mode: LockMode; wake: () => void }> = [];

  acquireRead(): Promise<void> {
    if (!this.#writer && !this.#queue.some((w) => w.mode === 'w')) {
      this.#readers++;
      return Promise.resolve();
    }
    return new Promise((wake) => this.#queue.push({ mode: 'r', wake }));
  }

  acquireWrite(): Promise<void> {
    if (!this.#writer && this.#readers === 0 && this.#queue.length === 0) {
      this.#writer = true;
      return Promise.resolve();
    }
    return new Promise((wake) => this.#queue.push({ mode: 'w', wake }));
  }

  releaseRead(): void {
    this.#readers--;
    this.#next();
  }

  releaseWrite(): void {
    this.#writer = false;
    this.#next();
  }

  #next(): void {
    if (this.#writer) return;
    while (this.#queue.length > 0) {
      const head = this.#queue[0]!;
      if (head.mode === 'w') {
        if (this.#readers > 0) return;
        this.#queue.shift();
        this.#writer = true;
        head.wake();
        return;
      }
      this.#queue.shift();
      this.#readers++;
      head.wake();
    }
  }
}
