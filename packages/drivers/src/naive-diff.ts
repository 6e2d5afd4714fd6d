import { finished, type Readable } from 'node:stream';
import type { ApplyDiffOpts, ApplyResult, Change, DiffOpts, MountOpts } from './types.js';

/** @cs/archive is loaded on first use: processes that only mount and unmount start faster. */
const archive = () => import('@cs/archive');

/** What the naive diff needs from a driver: a way to see a layer's full tree. */
export interface NaiveDiffHost {
  get(id: string, opts?: MountOpts): Promise<string>;
  put(id: string): Promise<void>;
  isMounted(id: string): Promise<boolean>;
}

export interface NaiveApplyDefaults {
  ignoreChownErrors?: boolean;
  forceMask?: number;
}

/** A layer tree made visible for the duration of one operation. */
interface Borrowed {
  dir: string;
  release(): Promise<void>;
}

/**
 * The shared "naive" diff of containers/storage: compares full layer trees (tree comparison,
 * layer-diff.md §5.2/§5.4) and applies tars with whiteouts turned into deletions (Algorithm A).
 * Works for any driver that can show a layer's merged tree.
 */
export class NaiveDiff {
  constructor(
    private readonly host: NaiveDiffHost,
    private readonly defaults: NaiveApplyDefaults = {},
  ) {}

  /** Mounts a layer unless it already is, and only unmounts what this call mounted. */
  private async borrow(id: string, opts: DiffOpts = {}): Promise<Borrowed> {
    const wasMounted = await this.host.isMounted(id);
    const dir = await this.host.get(id, { mountLabel: opts.mountLabel });
    return { dir, release: async () => (wasMounted ? undefined : this.host.put(id)) };
  }

  private async withTrees<T>(
    id: string,
    parent: string | null,
    opts: DiffOpts,
    work: (layerDir: string, parentDir: string | null) => Promise<T>,
  ): Promise<T> {
    const layer = await this.borrow(id, opts);
    try {
      const base = parent ? await this.borrow(parent, opts) : null;
      try {
        return await work(layer.dir, base?.dir ?? null);
      } finally {
        await base?.release();
      }
    } finally {
      await layer.release();
    }
  }

  async changes(id: string, parent: string | null, opts: DiffOpts = {}): Promise<Change[]> {
    const { changesBetween } = await archive();
    return this.withTrees(id, parent, opts, (layerDir, parentDir) =>
      changesBetween(layerDir, parentDir, { uidMaps: opts.uidMaps, gidMaps: opts.gidMaps }),
    );
  }

  async diffSize(id: string, parent: string | null, opts: DiffOpts = {}): Promise<number> {
    const { changesBetween, diffSizeFromChanges } = await archive();
    return this.withTrees(id, parent, opts, async (layerDir, parentDir) => {
      const changes = await changesBetween(layerDir, parentDir, { uidMaps: opts.uidMaps, gidMaps: opts.gidMaps });
      return diffSizeFromChanges(layerDir, changes);
    });
  }

  /**
   * The tar stream keeps the layer mounted until it ends, fails or is destroyed. Without a parent
   * the whole tree is written in walk order (layer-diff.md §5.4), else the sorted change list.
   */
  async diff(id: string, parent: string | null, opts: DiffOpts = {}): Promise<Readable> {
    const { changesBetween, exportChanges, exportTree } = await archive();
    const layer = await this.borrow(id, opts);
    const maps = { uidMaps: opts.uidMaps, gidMaps: opts.gidMaps };
    let tar: Readable;
    try {
      if (parent === null) {
        tar = exportTree(layer.dir, maps);
      } else {
        const base = await this.borrow(parent, opts);
        try {
          tar = exportChanges(layer.dir, await changesBetween(layer.dir, base.dir, maps), maps);
        } finally {
          await base.release();
        }
      }
    } catch (err) {
      await layer.release();
      throw err;
    }
    finished(tar, () => {
      layer.release().catch((err: unknown) => tar.destroy(err as Error));
    });
    return tar;
  }

  /** Algorithm A on the layer's full tree (vfs: the copy of the parent; overlay: the merged mount). */
  async applyDiff(
    id: string,
    _parent: string | null,
    input: AsyncIterable<Uint8Array>,
    opts: ApplyDiffOpts = {},
  ): Promise<ApplyResult> {
    const { applyTar } = await archive();
    const layer = await this.borrow(id, opts);
    try {
      return await applyTar(layer.dir, input, {
        whiteouts: 'delete',
        uidMaps: opts.uidMaps,
        gidMaps: opts.gidMaps,
        ignoreChownErrors: this.defaults.ignoreChownErrors,
        forceMask: this.defaults.forceMask,
        recordTarSplit: opts.recordTarSplit,
        signal: opts.signal,
      });
    } finally {
      await layer.release();
    }
  }
}
