import { chown, mkdir, readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertLayerId,
  DriverError,
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
    await mkdir(driver.layersDir, { recursive: true, mode: 0o700 });
    await chown(driver.home, root.uid, root.gid);
    await chown(driver.layersDir, root.uid, root.gid);
    return driver;
  }

  private get layersDir(): string {
    return path.join(this.home, 'dir');
  }

  /** The layer's directory here, or in an additional image store. */
  private async layerDir(id: string): Promise<string | undefined> {
    assertLayerId(id);
    for (const dir of [this.layersDir, ...this.options.imageStores.map((s) => path.join(s, 'vfs', 'dir'))]) {
      const candidate = path.join(dir, id);
      if (await isDir(candidate)) return candidate;
    }
    return undefined;
  }

  async create(id: string, parent: string | null, opts: CreateOpts = {}): Promise<void> {
    assertLayerId(id);
    if (opts.storageOpt && Object.keys(opts.storageOpt).length > 0) {
      throw new DriverError('ERR_DRIVER_OPTION', 'vfs driver does not support per-layer storage options');
    }
    const dir = path.join(this.layersDir, id);
    if (await isDir(dir)) throw new DriverError('ERR_LAYER_EXISTS', `vfs: layer ${JSON.stringify(id)} already exists`);
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

  createReadWrite(id: string, parent: string | null, opts?: CreateOpts): Promise<void> {
    return this.create(id, parent, opts);
  }

  async remove(id: string): Promise<void> {
    assertLayerId(id);
    await rm(path.join(this.layersDir, id), { recursive: true, force: true });
  }

  async exists(id: string): Promise<boolean> {
    return (await this.layerDir(id)) !== undefined;
  }

  async listLayers(): Promise<string[]> {
    const entries = await readdir(this.layersDir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory()).map((e) => e.name).sort();
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
    return dedupDirs(layerIds.map((id) => (assertLayerId(id), path.join(this.layersDir, id))), opts);
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
