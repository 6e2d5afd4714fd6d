import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DriverError, isErrno, type StagedLayer } from '@cs/drivers';
import { ofdTryLock } from '@cs/sys';

export const STAGING_DIR = 'staging';
const LOCK_FILE = 'staging.lock';
/** Mode of a fresh staged root (upstream defaultPerms), unless force_mask says otherwise. */
const DEFAULT_PERMS = 0o555;

/**
 * The overlay staging area, `<home>/staging/<random>/` (on-disk.md §5.7): content is unpacked
 * into `<random>/dir` while `<random>/staging.lock` is write-locked, so that HEAD's pruning
 * (which removes only staging dirs whose lock it can take) leaves a live one alone. The
 * directory lives in the driver home, so committing it into a layer is a rename.
 */
export class StagingArea {
  /** lock descriptors of the staging dirs this process holds, by target */
  readonly #locks = new Map<string, fs.FileHandle>();

  constructor(readonly home: string) {}

  get root(): string {
    return path.join(this.home, STAGING_DIR);
  }

  /** Makes `<home>/staging/<random>/dir` and locks its staging dir; returns the `dir` path. */
  async create(forceMask: number | undefined): Promise<string> {
    await fs.mkdir(this.root, { recursive: true, mode: 0o700 });
    await this.prune();
    const parent = await fs.mkdtemp(path.join(this.root, path.sep));
    try {
      const lock = await fs.open(path.join(parent, LOCK_FILE), 'w', 0o644);
      const target = path.join(parent, 'dir');
      this.#locks.set(target, lock);
      if (!(await ofdTryLock(lock.fd, 'w'))) throw new DriverError('ERR_STAGING', `overlay: staging dir ${parent} is locked elsewhere`);
      await fs.mkdir(target);
      await fs.chmod(target, forceMask ?? DEFAULT_PERMS);
      return target;
    } catch (err) {
      await this.release(path.join(parent, 'dir'));
      throw err;
    }
  }

  /**
   * Removes staging dirs left by dead processes (HEAD's pruneStagingDirectories): those whose
   * staging.lock can be write-locked, or that have none. Live ones (locked) are left alone.
   */
  async prune(): Promise<void> {
    let names: string[];
    try {
      names = await fs.readdir(this.root);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return;
      throw err;
    }
    const ours = new Set([...this.#locks.keys()].map((t) => path.basename(path.dirname(t))));
    for (const name of names) {
      if (ours.has(name)) continue;
      const dir = path.join(this.root, name);
      let lock: fs.FileHandle | undefined;
      try {
        lock = await fs.open(path.join(dir, LOCK_FILE), 'r+');
      } catch (err) {
        if (!isErrno(err, 'ENOENT', 'ENOTDIR')) throw err;
      }
      try {
        if (lock && !(await ofdTryLock(lock.fd, 'w'))) continue; // in use by a live process
        await fs.rm(dir, { recursive: true, force: true });
      } finally {
        await lock?.close();
      }
    }
  }

  /** Refuses anything but a `dir` directly inside one of our staging dirs (upstream's check). */
  assertTarget(staged: StagedLayer): void {
    const parent = path.dirname(staged.target);
    if (path.basename(staged.target) !== 'dir' || path.dirname(parent) !== this.root) {
      throw new DriverError('ERR_STAGING', `${JSON.stringify(staged.target)} is not a staging directory`);
    }
  }

  /** Replaces `diffDir` with the staged content (remove, then rename), then drops the staging dir. */
  async commit(staged: StagedLayer, diffDir: string): Promise<void> {
    this.assertTarget(staged);
    await fs.rm(diffDir, { recursive: true, force: true });
    await fs.rename(staged.target, diffDir);
    await this.release(staged.target);
  }

  /** Unlocks and removes the whole staging dir; nothing left is fine. */
  async release(target: string): Promise<void> {
    const lock = this.#locks.get(target);
    this.#locks.delete(target);
    await lock?.close(); // closing the descriptor drops the OFD lock
    await fs.rm(path.dirname(target), { recursive: true, force: true }).catch((err: unknown) => {
      if (!isErrno(err, 'ENOENT')) throw err;
    });
  }
}

/**
 * Gives the staged root the mode and owner of the layer's current diff/: the overlay apply
 * ignores a tarball's root entry (as applyDiff does), and upstream keeps the parent's mode for a
 * layer that does not set its own.
 */
export async function inheritRoot(staged: StagedLayer, diffDir: string): Promise<void> {
  const st = await fs.stat(diffDir);
  await fs.chown(staged.target, st.uid, st.gid);
  await fs.chmod(staged.target, st.mode & 0o7777);
}
