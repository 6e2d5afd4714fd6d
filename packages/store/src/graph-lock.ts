import path from 'node:path';
import { mkdirSync } from 'node:fs';
import { LockFile } from '@cs/lockfile';

/**
 * The graph lock, `$GRAPHROOT/storage.lock` (on-disk.md §3.1, §3.3): first in the lock order,
 * guards the driver's lifetime and is held across mounts. Its token changes only when some
 * process shuts the driver down, which is how we learn to re-open ours.
 */
export class GraphLock {
  readonly #lock: LockFile;
  #queue: Promise<unknown> = Promise.resolve();

  private constructor(lock: LockFile) {
    this.#lock = lock;
  }

  static async open(graphRoot: string): Promise<GraphLock> {
    mkdirSync(graphRoot, { recursive: true, mode: 0o700 }); // one cheap syscall: inline, not a thread-pool trip
    return new GraphLock(await LockFile.open(path.join(graphRoot, 'storage.lock')));
  }

  /**
   * Runs `fn` holding the lock for writing. `fn` learns whether another process wrote a token
   * since we last looked (first call: true). Calls from this process are serialized.
   */
  run<T>(fn: (changedElsewhere: boolean) => Promise<T>): Promise<T> {
    const next = this.#queue.then(async () => {
      await this.#lock.lock();
      try {
        return await fn(await this.#lock.modified());
      } finally {
        await this.#lock.unlock();
      }
    });
    this.#queue = next.catch(() => undefined);
    return next;
  }

  /** Inside run(): record that the driver was torn down (Go writes the token in Shutdown). */
  touch(): Promise<void> {
    return this.#lock.touch();
  }

  close(): Promise<void> {
    return this.#lock.close();
  }
}
