import { chownSync, mkdirSync } from 'node:fs';
import { chown, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertLayerId,
  DriverError,
  recoverStaleTempDirs,
  TempDir,
  hostRootIds,
  isErrno,
  layerNotExist,
  NaiveDiff,
  dedupDirs,
  type ApplyDiffOpts,
  type ApplyResult,
  type Change,
  type CreateOpts,
  type DedupOptions,
  type DedupResult,
  type DiffOpts,
  type Driver,
  type MountOpts,
  type ResolvedDriverInitOpts,
} from '@cs/drivers';
import { copyTree } from './copy-tree.js';
import { parseVfsOptions, type VfsOptions } from './options.js';

/** HEAD's staged-deletion directory, beside `dir/` in the driver home. */
const TEMP_DIRS = 'tempdirs';

/** The vfs driver (on-disk.md §6): every layer is a full copy of its parent in `<home>/dir/<ID>`. */
export class VfsDriver implements Driver {
  readonly name = 'vfs';
  readonly home: string;
  private readonly naive: NaiveDiff;

  private constructor(
    private readonly init: ResolvedDriverInitOpts,
    readonly options: VfsOptions,
  ) {
    this.home = init.home;
    this.naive = new NaiveDiff(this, { ignoreChownErrors: options.ignoreChownErrors });
  }

  static async open(init: ResolvedDriverInitOpts): Promise<VfsDriver> {
    const options = parseVfsOptions(init.options);
    const driver = new VfsDriver(init, options);
    const root = hostRootIds(init.uidMaps, init.gidMaps);
    // Sync: every command opens the driver, and three syscalls cost less than starting the
    // thread pool and a round trip each (and spare a listing loading node:fs/promises).
    mkdirSync(driver.layersDir, { recursive: true, mode: 0o700 });
    chownSync(driver.home, root.uid, root.gid);
    chownSync(driver.layersDir, root.uid, root.gid);
    return driver;
  }

  private get layersDir(): string {
    return path.join(this.home, 'dir');
  }

  /** `<imagestore>/vfs/dir` of a split image store: where read-only (image) layers are created. */
  private get imageLayersDir(): string | undefined {
    return this.init.imageStoreHome === undefined ? undefined : path.join(this.init.imageStoreHome, 'dir');
  }

  /** The layer's directory here, in the split image store, or in an additional image store. */
  private async layerDir(id: string): Promise<string | undefined> {
    assertLayerId(id);
    const split = this.imageLayersDir === undefined ? [] : [this.imageLayersDir];
    for (const dir of [this.layersDir, ...split, ...this.options.imageStores.map((s) => path.join(s, 'vfs', 'dir'))]) {
      const candidate = path.join(dir, id);
      if (await isDir(candidate)) return candidate;
    }
    return undefined;
  }

  /** A read-only (image) layer: in the split image store when there is one (HEAD). */
  create(id: string, parent: string | null, opts: CreateOpts = {}): Promise<void> {
    return this.createIn(this.imageLayersDir ?? this.layersDir, id, parent, opts);
  }

  createReadWrite(id: string, parent: string | null, opts?: CreateOpts): Promise<void> {
    return this.createIn(this.layersDir, id, parent, opts);
  }

  private async createIn(layersDir: string, id: string, parent: string | null, opts: CreateOpts = {}): Promise<void> {
    assertLayerId(id);
    if (opts.storageOpt && Object.keys(opts.storageOpt).length > 0) {
      throw new DriverError('ERR_DRIVER_OPTION', 'vfs driver does not support per-layer storage options');
    }
    const dir = path.join(layersDir, id);
    if (await this.ownLayerDir(id)) throw new DriverError('ERR_LAYER_EXISTS', `vfs: layer ${JSON.stringify(id)} already exists`);
    if (layersDir !== this.layersDir) await mkdir(layersDir, { recursive: true, mode: 0o700 });
    if (parent === null) {
      const root = hostRootIds(opts.uidMaps ?? this.init.uidMaps, opts.gidMaps ?? this.init.gidMaps);
      await mkdir(dir, { mode: 0o555 });
      await chown(dir, root.uid, root.gid);
      return;
    }
    const parentDir = await this.layerDir(parent);
    if (!parentDir) throw layerNotExist(this.name, parent);
    try {
      await copyTree(parentDir, dir);
    } catch (err) {
      await rm(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** The layer's own directory (here or in the split image store; never an additional store's). */
  private async ownLayerDir(id: string): Promise<string | undefined> {
    assertLayerId(id);
    for (const dir of this.imageLayersDir === undefined ? [this.layersDir] : [this.layersDir, this.imageLayersDir]) {
      if (await isDir(path.join(dir, id))) return path.join(dir, id);
    }
    return undefined;
  }

  async remove(id: string): Promise<void> {
    const dir = await this.ownLayerDir(id);
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  }

  /** HEAD DeferredRemove: the layer dir moves to `tempdirs/` beside its `dir/` (same filesystem). */
  async deferredRemove(id: string): Promise<() => Promise<void>> {
    const dir = await this.ownLayerDir(id);
    if (dir === undefined) return async () => {};
    const tmp = await TempDir.create(path.join(path.dirname(path.dirname(dir)), TEMP_DIRS));
    try {
      await tmp.stage(dir);
    } catch (err) {
      await tmp.cleanup();
      throw err;
    }
    return () => tmp.cleanup();
  }

  async recoverTempDirs(): Promise<void> {
    await recoverStaleTempDirs(path.join(this.home, TEMP_DIRS));
    if (this.init.imageStoreHome !== undefined) await recoverStaleTempDirs(path.join(this.init.imageStoreHome, TEMP_DIRS));
  }

  async exists(id: string): Promise<boolean> {
    return (await this.layerDir(id)) !== undefined;
  }

  listLayers(): Promise<string[]> {
    return layersIn(this.layersDir);
  }

  async listImageStoreLayers(): Promise<string[]> {
    if (this.imageLayersDir === undefined) return [];
    try {
      return await layersIn(this.imageLayersDir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return []; // created with the first image layer
      throw err;
    }
  }

  /** A vfs "mount" is the directory itself; only `ro` is accepted (and ignored), as in Go. */
  async get(id: string, opts: MountOpts = {}): Promise<string> {
    for (const o of opts.options ?? []) {
      if (o !== 'ro') throw new DriverError('ERR_DRIVER_OPTION', `vfs driver does not support mount options: ${o}`);
    }
    const dir = await this.layerDir(id);
    if (!dir) throw layerNotExist(this.name, id);
    return dir;
  }

  async put(id: string): Promise<void> {
    if (!(await this.layerDir(id))) throw layerNotExist(this.name, id);
  }

  async isMounted(_id: string): Promise<boolean> {
    return false;
  }

  async status(): Promise<Array<[string, string]>> {
    return [];
  }

  async metadata(id: string): Promise<Record<string, string>> {
    if (!(await this.layerDir(id))) throw layerNotExist(this.name, id);
    return {};
  }

  async cleanup(): Promise<void> {}

  diff(id: string, parent: string | null, opts?: DiffOpts): Promise<Readable> {
    return this.naive.diff(id, parent, opts);
  }

  changes(id: string, parent: string | null, opts?: DiffOpts): Promise<Change[]> {
    return this.naive.changes(id, parent, opts);
  }

  diffSize(id: string, parent: string | null, opts?: DiffOpts): Promise<number> {
    return this.naive.diffSize(id, parent, opts);
  }

  applyDiff(id: string, parent: string | null, input: AsyncIterable<Uint8Array>, opts?: ApplyDiffOpts): Promise<ApplyResult> {
    return this.naive.applyDiff(id, parent, input, opts);
  }

  /** Upstream Dedup over the layers' directories in this home (not those of image stores). */
  async dedup(layerIds: readonly string[], opts: DedupOptions): Promise<DedupResult> {
    const dirs: string[] = [];
    for (const id of layerIds) dirs.push((await this.ownLayerDir(id)) ?? path.join(this.layersDir, id));
    return dedupDirs(dirs, opts);
  }

  async layerFileDirs(id: string): Promise<string[]> {
    const dir = await this.layerDir(id);
    if (!dir) throw layerNotExist(this.name, id);
    return [dir];
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isDirectory();
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}

async function layersIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
}
