import { chownSync, lstatSync, mkdirSync, statSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, rmdir } from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertLayerId,
  DriverError,
  recoverStaleTempDirs,
  TempDir,
  findMount,
  hostRootIds,
  isErrno,
  layerNotExist,
  NaiveDiff,
  dedupDirs,
  readMountTable,
  splitMountOptions,
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
  type StagedLayer,
} from '@cs/drivers';
import { backingFilesystem } from './backing-fs.js';
import { cachedProbe } from './feature-cache.js';
import { homeUsedMountProgram, makeHomePrivate, readMountProgramFlag, unmountHome, writeMountProgramFlag } from './home.js';
import { createLayerLayout, LayerPaths, layerOfLinkEntry, LINK_DIR, readLowerEntries } from './layout.js';
import { KeyedQueue } from './keyed-queue.js';
import { performMount, performUnmount } from './mounter.js';
import { planOverlayMount, type MountPlan } from './mount-plan.js';
import { parseOverlayOptions, type OverlayOptions } from './options.js';
import { probeMetacopy, probeNativeDiff, probeOverlay, probeVolatile } from './probes.js';
import { run } from './run.js';
import { inheritRoot, StagingArea } from './staging.js';

/** @cs/archive is loaded on first use: processes that only mount and unmount start faster. */
const archive = () => import('@cs/archive');

/** HEAD's staged-deletion directory in a driver home. */
const TEMP_DIRS = 'tempdirs';
const NOT_LAYERS = new Set([LINK_DIR, 'staging', TEMP_DIRS]);
/** mkdtemp names of the feature probes (probes.ts), present only while a probe runs */
const PROBE_DIR = /^(compat|opaque-bug-check|metacopy-check)[A-Za-z0-9]{6}$/;

/** The overlay driver (on-disk.md §5): layers in `<home>/<ID>/`, kernel overlayfs or fuse-overlayfs. */
export class OverlayDriver implements Driver {
  readonly name = 'overlay';
  readonly home: string;
  readonly runHome: string;
  private readonly naive: NaiveDiff;
  private nativeDiff?: Promise<boolean>;
  private volatileSupport?: Promise<boolean>;
  private readonly mounts = new KeyedQueue();
  private staging?: StagingArea;

  private constructor(
    private readonly init: ResolvedDriverInitOpts,
    readonly options: OverlayOptions,
    /** the mount program in use: configured, or found because the store was written with one */
    readonly mountProgram: string | undefined,
    readonly backingFs: string,
    readonly usingMetacopy: boolean,
  ) {
    this.home = init.home;
    this.runHome = init.runHome;
    this.naive = new NaiveDiff(this, { ignoreChownErrors: options.ignoreChownErrors, forceMask: options.forceMask });
  }

  static async open(init: ResolvedDriverInitOpts): Promise<OverlayDriver> {
    const options = await parseOverlayOptions(init.options);
    const { home, runHome } = init;
    const root = hostRootIds(init.uidMaps, init.gidMaps);
    // Single metadata syscalls each: done inline, a thread-pool round trip costs more than the call.
    mkdirSync(home, { recursive: true, mode: 0o700 });
    chownSync(home, root.uid, root.gid);
    mkdirSync(runHome, { recursive: true, mode: 0o700 });
    mkdirSync(path.join(home, LINK_DIR), { recursive: true, mode: 0o755 });

    const fs = await backingFilesystem(home);
    const rootful = process.geteuid?.() === 0;
    let mountProgram = options.mountProgram;
    if (mountProgram) {
      await writeMountProgramFlag(home, true);
    } else {
      let flag = await readMountProgramFlag(home);
      if (flag === undefined && rootful) {
        flag = await homeUsedMountProgram(home);
        await writeMountProgramFlag(home, flag);
      }
      if (flag === true) mountProgram = await findInPath('fuse-overlayfs');
    }
    if (!mountProgram) {
      if (!fs.overlayCompatible) {
        throw new DriverError('ERR_DRIVER_NOT_SUPPORTED', `'overlay' is not supported over ${fs.name}, a mount_program is required`);
      }
      if (rootful) {
        const overlay = await cachedProbe(runHome, 'overlay', () => probeOverlay(home, options.mountOpt));
        if (!overlay.supported) {
          throw new DriverError('ERR_DRIVER_NOT_SUPPORTED', `kernel does not support overlay fs: ${overlay.text}`);
        }
      }
    }
    if (!options.skipMountHome) await makeHomePrivate(home);
    let usingMetacopy = false;
    if (!mountProgram) {
      const xattrPrefix = rootful ? 'trusted.' : 'user.';
      const metacopy = await cachedProbe(runHome, `metacopy(${options.mountOpt})`, () =>
        probeMetacopy(home, options.mountOpt, xattrPrefix),
      );
      usingMetacopy = metacopy.supported;
    }
    return new OverlayDriver(init, options, mountProgram, fs.name, usingMetacopy);
  }

  private get rootful(): boolean {
    return process.geteuid?.() === 0;
  }

  private get xattrPrefix(): 'trusted.' | 'user.' {
    return this.rootful ? 'trusted.' : 'user.';
  }

  private layer(id: string): LayerPaths {
    assertLayerId(id);
    return new LayerPaths(this.home, id);
  }

  /** `<imagestore>/overlay` of a split image store (HEAD): read-only (image) layers are created there. */
  private get imageStoreHome(): string | undefined {
    return this.init.imageStoreHome;
  }

  /** The homes holding this driver's own layers: the home, then the split image store's. */
  private get ownHomes(): string[] {
    return this.imageStoreHome === undefined ? [this.home] : [this.home, this.imageStoreHome];
  }

  /** The layer's paths in whichever own home has it (the main home when none does). */
  private async locate(id: string): Promise<LayerPaths> {
    assertLayerId(id);
    for (const home of this.ownHomes) {
      const layer = new LayerPaths(home, id);
      if (await isDir(layer.dir)) return layer;
    }
    return new LayerPaths(this.home, id);
  }

  private async existingLayer(id: string): Promise<LayerPaths> {
    const layer = await this.locate(id);
    if (!(await isDir(layer.dir))) throw layerNotExist(this.name, id);
    return layer;
  }

  /** The layer an `l/<LID>` entry names and the home holding that link, searched like lowers. */
  private async layerOfEntry(entry: string): Promise<{ home: string; id: string } | undefined> {
    for (const home of this.ownHomes) {
      const id = await layerOfLinkEntry(home, entry);
      if (id !== undefined) return { home, id };
    }
    return undefined;
  }

  /** A read-only (image) layer: in the split image store when there is one (HEAD). */
  create(id: string, parent: string | null, opts: CreateOpts = {}): Promise<void> {
    return this.createIn(this.imageStoreHome ?? this.home, id, parent, opts);
  }

  createReadWrite(id: string, parent: string | null, opts?: CreateOpts): Promise<void> {
    return this.createIn(this.home, id, parent, opts);
  }

  private async createIn(home: string, id: string, parent: string | null, opts: CreateOpts = {}): Promise<void> {
    for (const key of Object.keys(opts.storageOpt ?? {})) {
      const name = key.toLowerCase();
      if (name === 'size' || name === 'inodes') {
        throw new DriverError('ERR_DRIVER_NOT_SUPPORTED', `overlay: per-layer ${key} (quota) is not supported`);
      }
      throw new DriverError('ERR_DRIVER_OPTION', `overlay: unknown option ${key}`);
    }
    this.layer(id);
    const parentHome = parent === null ? undefined : (await this.locate(parent)).home;
    if (home !== this.home && (await isDir(this.layer(id).dir))) {
      throw new DriverError('ERR_LAYER_EXISTS', `overlay: layer ${JSON.stringify(id)} already exists`);
    }
    if (home !== this.home) await mkdir(path.join(home, LINK_DIR), { recursive: true, mode: 0o755 });
    const root = hostRootIds(opts.uidMaps ?? this.init.uidMaps, opts.gidMaps ?? this.init.gidMaps);
    await createLayerLayout(home, id, parent, {
      rootUid: root.uid,
      rootGid: root.gid,
      baseDiffMode: this.options.forceMask ?? 0o555,
      parentHome,
    });
  }

  async remove(id: string): Promise<void> {
    const layer = await this.locate(id);
    if (await this.isMounted(id)) await this.put(id);
    const link = await this.linkPathOf(layer);
    if (link !== undefined) await rm(link, { force: true });
    await rm(layer.dir, { recursive: true, force: true });
  }

  /** `<home>/l/<LID>` named by the layer's `link` file; undefined without one. */
  private async linkPathOf(layer: LayerPaths): Promise<string | undefined> {
    try {
      const name = (await readFile(layer.linkFile, 'utf8')).trim();
      return name !== '' && !name.includes('/') ? path.join(layer.home, LINK_DIR, name) : undefined;
    } catch (err) {
      if (isErrno(err, 'ENOENT', 'ENOTDIR')) return undefined;
      throw err;
    }
  }

  /**
   * HEAD DeferredRemove: unmounts, then moves the `l/` link and the layer dir into
   * `<home>/tempdirs/temp-dir-<n>/` (the home holding the layer, so it is a rename).
   */
  async deferredRemove(id: string): Promise<() => Promise<void>> {
    const layer = await this.locate(id);
    if (!(await isDir(layer.dir))) return async () => {};
    if (await this.isMounted(id)) await this.put(id);
    const tmp = await TempDir.create(path.join(layer.home, TEMP_DIRS));
    try {
      const link = await this.linkPathOf(layer);
      if (link !== undefined) await tmp.stage(link);
      await tmp.stage(layer.dir);
    } catch (err) {
      await tmp.cleanup();
      throw err;
    }
    return () => tmp.cleanup();
  }

  async recoverTempDirs(): Promise<void> {
    for (const home of this.ownHomes) await recoverStaleTempDirs(path.join(home, TEMP_DIRS));
  }

  async exists(id: string): Promise<boolean> {
    return isDir((await this.locate(id)).dir);
  }

  /** Every directory of the home except `l`, `staging`, `tempdirs` and our probe scratch dirs (HEAD's rule, §5.9). */
  listLayers(): Promise<string[]> {
    return this.layersIn(this.home);
  }

  async listImageStoreLayers(): Promise<string[]> {
    if (this.imageStoreHome === undefined) return [];
    try {
      return await this.layersIn(this.imageStoreHome);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) return []; // created with the first image layer
      throw err;
    }
  }

  private async layersIn(home: string): Promise<string[]> {
    const entries = await readdir(home, { withFileTypes: true });
    return entries
      .filter((e) => e.isDirectory() && !NOT_LAYERS.has(e.name) && !PROBE_DIR.test(e.name))
      .map((e) => e.name)
      .sort();
  }

  /** Absolute lower dirs for a mount, nearest first: `<home>/l/<LID>` (or another store's), or `empty/`. */
  private async mountLowers(layer: LayerPaths): Promise<string[]> {
    const entries = await readLowerEntries(layer);
    if (entries.length === 0) {
      try {
        mkdirSync(layer.empty, { mode: 0o700 });
      } catch (err) {
        if (!isErrno(err, 'EEXIST')) throw err;
      }
      return [layer.empty];
    }
    return Promise.all(entries.map((entry) => this.resolveLowerEntry(layer.id, entry)));
  }

  private async resolveLowerEntry(id: string, entry: string): Promise<string> {
    for (const base of [...this.ownHomes, ...this.options.imageStores.map((s) => path.join(s, 'overlay'))]) {
      const candidate = path.join(base, entry);
      if (await isDir(candidate)) return candidate;
    }
    throw new DriverError('ERR_LAYER_NOT_EXIST', `overlay: lower ${entry} of layer ${id} is missing`);
  }

  /** The lower layers' diff dirs (`<home>/<ID>/diff`), nearest first, for diffs and tar-split replay. */
  private async lowerDiffDirs(layer: LayerPaths): Promise<string[]> {
    const entries = await readLowerEntries(layer);
    return Promise.all(
      entries.map(async (entry) => {
        const lower = await this.layerOfEntry(entry);
        if (lower) return path.join(lower.home, lower.id, 'diff');
        return this.resolveLowerEntry(layer.id, entry);
      }),
    );
  }

  private mountOptionList(opts: MountOpts): string[] {
    const configured = splitMountOptions(this.options.mountOpt);
    let list = opts.options && opts.options.length > 0 ? [...opts.options] : configured;
    if (this.usingMetacopy && configured.includes('metacopy=on') && !list.includes('metacopy=on')) list.push('metacopy=on');
    if (!this.usingMetacopy) list = list.filter((o) => o !== 'metacopy=on');
    return list;
  }

  get(id: string, opts: MountOpts = {}): Promise<string> {
    return this.mounts.run(id, () => this.mount(id, opts));
  }

  put(id: string): Promise<void> {
    return this.mounts.run(id, () => this.unmount(id));
  }

  private async mount(id: string, opts: MountOpts): Promise<string> {
    const layer = await this.existingLayer(id);
    if (await findMount(layer.merged)) return layer.merged;
    const plan = await this.planMount(id, opts);
    let createdMerged = false;
    try {
      mkdirSync(layer.merged, { mode: 0o700 });
      createdMerged = true;
    } catch (err) {
      if (!isErrno(err, 'EEXIST')) throw err;
    }
    // A volatile mount leaves this behind and the kernel then refuses the next mount.
    // Usually absent: one inline lstat saves the recursive rm's thread-pool round trips.
    const volatileDir = path.join(layer.work, 'work', 'incompat', 'volatile');
    if (lstatSync(volatileDir, { throwIfNoEntry: false }) !== undefined) await rm(volatileDir, { recursive: true, force: true });
    try {
      await performMount(plan);
    } catch (err) {
      if (createdMerged) await rmdir(layer.merged).catch(() => undefined);
      throw err;
    }
    return layer.merged;
  }

  private async unmount(id: string): Promise<void> {
    const layer = await this.existingLayer(id);
    const mounted = await findMount(layer.merged);
    if (!mounted) return;
    await performUnmount(layer.merged, mounted.fsType.startsWith('fuse'));
  }

  async isMounted(id: string): Promise<boolean> {
    return (await findMount((await this.locate(id)).merged)) !== undefined;
  }

  private nativeDiffSupported(): Promise<boolean> {
    if (this.mountProgram) return Promise.resolve(false);
    this.nativeDiff ??= cachedProbe(this.runHome, `native-diff(${this.options.mountOpt})`, () =>
      probeNativeDiff(this.home, this.options.mountOpt, this.xattrPrefix),
    ).then((r) => r.supported);
    return this.nativeDiff;
  }

  private supportsVolatile(): Promise<boolean> {
    if (this.mountProgram) return Promise.resolve(false);
    this.volatileSupport ??= cachedProbe(this.runHome, 'volatile', () => probeVolatile(this.home)).then((r) => r.supported);
    return this.volatileSupport;
  }

  /** Go's isParent: is `parent` the layer's nearest lower (null: the layer has no lowers)? */
  private async isParent(layer: LayerPaths, parent: string | null): Promise<boolean> {
    const entries = await readLowerEntries(layer);
    if (entries.length === 0) return parent === null;
    if (parent === null) return false;
    return (await this.layerOfEntry(entries[0]!))?.id === parent;
  }

  private async useNativeDiff(layer: LayerPaths, parent: string | null): Promise<boolean> {
    return (await this.nativeDiffSupported()) && (await this.isParent(layer, parent));
  }

  async status(): Promise<Array<[string, string]>> {
    return [
      ['Backing Filesystem', this.backingFs],
      ['Supports d_type', 'true'],
      ['Native Overlay Diff', String(await this.nativeDiffSupported())],
      ['Using metacopy', String(this.usingMetacopy)],
    ];
  }

  async metadata(id: string): Promise<Record<string, string>> {
    const layer = await this.existingLayer(id);
    const out: Record<string, string> = { WorkDir: layer.work, MergedDir: layer.merged, UpperDir: layer.diff };
    const lowers = await this.lowerDiffDirs(layer);
    if (lowers.length > 0) out.LowerDir = lowers.join(':');
    return out;
  }

  /** Unmounts the home bind mount; refuses while layers are still mounted below it. */
  async cleanup(): Promise<void> {
    if (this.options.skipMountHome) return;
    const prefix = this.home + '/';
    const busy = (await readMountTable()).filter((m) => m.mountPoint.startsWith(prefix)).map((m) => m.mountPoint);
    if (busy.length > 0) {
      throw new DriverError('ERR_LAYER_MOUNTED', `overlay: cannot release ${this.home}: layers still mounted at ${busy.join(', ')}`);
    }
    await unmountHome(this.home);
  }

  async changes(id: string, parent: string | null, opts: DiffOpts = {}): Promise<Change[]> {
    const layer = await this.existingLayer(id);
    if (!(await this.useNativeDiff(layer, parent))) return this.naive.changes(id, parent, opts);
    const { changesFromOverlayUpper } = await archive();
    return changesFromOverlayUpper(layer.diff, await this.lowerDiffDirs(layer), { overlayXattrPrefix: this.xattrPrefix });
  }

  async diff(id: string, parent: string | null, opts: DiffOpts = {}): Promise<Readable> {
    const layer = await this.existingLayer(id);
    if (!(await this.useNativeDiff(layer, parent))) return this.naive.diff(id, parent, opts);
    const { exportOverlayUpper } = await archive();
    return exportOverlayUpper(layer.diff, await this.lowerDiffDirs(layer), {
      uidMaps: opts.uidMaps,
      gidMaps: opts.gidMaps,
      overlayXattrPrefix: this.xattrPrefix,
    });
  }

  async diffSize(id: string, parent: string | null, opts: DiffOpts = {}): Promise<number> {
    const layer = await this.existingLayer(id);
    // HEAD: the disk usage of diff/ also with a mount program; the naive size on a parent mismatch
    const native = this.mountProgram ? await this.isParent(layer, parent) : await this.useNativeDiff(layer, parent);
    if (!native) return this.naive.diffSize(id, parent, opts);
    const { directorySize } = await archive();
    return directorySize(layer.diff);
  }

  /** Algorithm B into diff/ (overlay whiteouts); the naive path when `parent` is not the real parent. */
  async applyDiff(
    id: string,
    parent: string | null,
    input: AsyncIterable<Uint8Array>,
    opts: ApplyDiffOpts = {},
  ): Promise<ApplyResult> {
    const layer = await this.existingLayer(id);
    if (!(await this.isParent(layer, parent))) return this.naive.applyDiff(id, parent, input, opts);
    // Algorithm B; with a mount program too: as root fuse-overlayfs reads the kernel whiteout format.
    const { applyTar } = await archive();
    return applyTar(layer.diff, input, { ...this.applyOptions(opts), lowerDirs: await this.lowerDiffDirs(layer) });
  }

  /** applyTar options shared by applyDiff and prepareStaged: overlay whiteouts and this driver's settings. */
  private applyOptions(opts: ApplyDiffOpts) {
    return {
      whiteouts: 'overlay' as const,
      overlayXattrPrefix: this.xattrPrefix,
      uidMaps: opts.uidMaps,
      gidMaps: opts.gidMaps,
      ignoreChownErrors: this.options.ignoreChownErrors,
      forceMask: this.options.forceMask,
      recordTarSplit: opts.recordTarSplit,
      signal: opts.signal,
    };
  }

  async layerFileDirs(id: string): Promise<string[]> {
    const layer = await this.existingLayer(id);
    return [layer.diff, ...(await this.lowerDiffDirs(layer))];
  }

  /** Upstream Dedup over the layers' diff/ dirs. */
  async dedup(layerIds: readonly string[], opts: DedupOptions): Promise<DedupResult> {
    const dirs: string[] = [];
    for (const id of layerIds) dirs.push((await this.locate(id)).diff);
    return dedupDirs(dirs, opts);
  }

  /** Unpacks a tarball (overlay whiteouts) into a new dir of `<home>/staging/`; removed again on failure. */
  async prepareStaged(input: AsyncIterable<Uint8Array>, opts: ApplyDiffOpts = {}): Promise<StagedLayer> {
    this.staging ??= new StagingArea(this.home);
    const target = await this.staging.create(this.options.forceMask);
    try {
      const { applyTar } = await archive();
      const result = await applyTar(target, input, this.applyOptions(opts));
      return { target, result };
    } catch (err) {
      await this.staging.release(target);
      throw err;
    }
  }

  /** Replaces the layer's diff/ with the staged dir (a rename); refused while the layer is mounted. */
  async applyStaged(id: string, _parent: string | null, staged: StagedLayer): Promise<void> {
    const layer = await this.existingLayer(id);
    this.staging ??= new StagingArea(this.home);
    this.staging.assertTarget(staged);
    if (await this.isMounted(id)) {
      throw new DriverError('ERR_LAYER_MOUNTED', `overlay: layer ${JSON.stringify(id)} is mounted: its content cannot be replaced`);
    }
    await inheritRoot(staged, layer.diff);
    await this.staging.commit(staged, layer.diff);
  }

  async cleanupStaged(staged: StagedLayer): Promise<void> {
    this.staging ??= new StagingArea(this.home);
    this.staging.assertTarget(staged);
    await this.staging.release(staged.target);
  }

  /** The plan a get() would mount, without mounting (for callers that mount elsewhere, and tests). */
  async planMount(id: string, opts: MountOpts = {}): Promise<MountPlan> {
    const layer = await this.existingLayer(id);
    return planOverlayMount({
      home: layer.home,
      id,
      lowers: await this.mountLowers(layer),
      options: this.mountOptionList(opts),
      // HEAD: a layer outside the home (split image store) is only ever mounted read-only.
      readOnly: (opts.readOnly ?? false) || layer.home !== this.home,
      mountLabel: opts.mountLabel,
      mountProgram: this.mountProgram,
      uidMaps: opts.uidMaps,
      gidMaps: opts.gidMaps,
      forceMask: this.options.forceMask,
      rootless: !this.rootful,
      volatile: opts.volatile === true && (await this.supportsVolatile()),
    });
  }
}

/** One stat, done inline (a 50-deep mount resolves ~50 lowers; each async stat was a thread-pool trip). */
async function isDir(p: string): Promise<boolean> {
  try {
    return statSync(p).isDirectory();
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'ENOTDIR')) return false;
    throw err;
  }
}

async function findInPath(program: string): Promise<string> {
  const res = await run('/bin/sh', ['-c', `command -v ${program}`]);
  const found = res.stdout.trim();
  if (res.code !== 0 || !found) {
    throw new DriverError(
      'ERR_DRIVER_NOT_SUPPORTED',
      `overlay: this store was written with a mount program, but ${program} was not found`,
    );
  }
  return found;
}
