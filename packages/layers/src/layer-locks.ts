import { LockFile } from '@cs/lockfile';

/**
 * The layer store's lock: `$GRAPHROOT/$DRV-layers/layers.lock`, and with a split image store also
 * `<imagestore>/$DRV-layers/layers.lock`, always taken in that order and released in reverse
 * (HEAD's multipleLockFile, on-disk.md §1.8). A write records a token in every file; a change of
 * any of them means another process wrote.
 */
export class LayerLocks {
  private constructor(readonly files: readonly LockFile[]) {}

  static async open(paths: readonly string[], readOnly: boolean): Promise<LayerLocks> {
    const files: LockFile[] = [];
    try {
      for (const p of paths) files.push(await LockFile.open(p, { readOnly }));
    } catch (err) {
      for (const f of files) await f.close();
      throw err;
    }
    return new LayerLocks(files);
  }

  lock(): Promise<void> {
    return this.#takeAll((f) => f.lock());
  }

  rLock(): Promise<void> {
    return this.#takeAll((f) => f.rLock());
  }

  async unlock(): Promise<void> {
    let first: unknown;
    for (const f of [...this.files].reverse()) {
      try {
        await f.unlock();
      } catch (err) {
        first ??= err;
      }
    }
    if (first !== undefined) throw first;
  }

  /** Asks every file (so each keeps its remembered token current); true when any moved. */
  async modified(): Promise<boolean> {
    let moved = false;
    for (const f of this.files) if (await f.modified()) moved = true;
    return moved;
  }

  async touch(): Promise<void> {
    for (const f of this.files) await f.touch();
  }

  async close(): Promise<void> {
    for (const f of [...this.files].reverse()) await f.close();
  }

  async #takeAll(take: (f: LockFile) => Promise<void>): Promise<void> {
    const held: LockFile[] = [];
    try {
      for (const f of this.files) {
        await take(f);
        held.push(f);
      }
    } catch (err) {
      for (const f of held.reverse()) await f.unlock().catch(() => {});
      throw err;
    }
  }
}
