import { mkdirSync, promises as fs } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { ApplyResult, Change, Compression } from '@cs/archive';
import { TempDir, recoverStaleTempDirs, type DedupOptions, type DedupResult, type Driver, type MountOpts } from '@cs/drivers';
import { assertValidDigest, generateID } from '@cs/ids';
import { LockFile } from '@cs/lockfile';
import { LayerLocks } from './layer-locks.js';
import {
  GoTime,
  ReadOnlyStoreError,
  atomicWriteFile,
  bigDataFileName,
  bigDataPath,
  dedupeNames,
  writeBigDataFile,
  type GenericValue,
} from '@cs/records';
import {
  AmbiguousLayerIDError,
  DuplicateLayerIDError,
  DuplicateLayerNameError,
  LayerDataNotFoundError,
  LayerHasChildrenError,
  LayerStoreClosedError,
  LayerUnknownError,
  StagingNotSupportedError,
  UnsupportedDiffCompressionError,
} from './errors.js';
import { checkLayers, type CheckOptions, type LayerProblem } from './check.js';
import { diffSourceOf, type DiffSource } from './diff-source.js';
import { assertUsableID } from './layer-id.js';
import { snapshot } from './snapshot.js';
import { INCOMPLETE_FLAG, compressionName, isIncomplete, type CompressionName, type IDMap, type Layer } from './layer.js';
import { emptyLayer, type StoredLayer } from './layer-codec.js';
import { LayerIndex } from './layer-index.js';
import { LockScope, type LockMode } from './locking.js';
import { bigDataDir, layerStorePaths, tarSplitPath, type LayerLocation, type LayerStorePaths } from './paths.js';
import { loadLayerFiles, loadMountFile, mtimeOf, recordFiles, saveLayerFiles, saveMountFile, setLocation } from './store-files.js';

/** @cs/archive is loaded only by the paths that write or read tarballs: reading a store never pays for it. */
const loadArchive = () => import('@cs/archive');

export interface LayerStoreOptions {
  /** The graph driver that stores the layers' contents. */
  driver: Driver;
  /** `$GRAPHROOT`; the store lives in `$GRAPHROOT/<driver name>-layers` unless layerDir is given. */
  graphRoot?: string;
  /** `$RUNROOT`; mountpoints.json lives in `$RUNROOT/<driver name>-layers` unless mountDir is given. */
  runRoot?: string;
  layerDir?: string;
  mountDir?: string;
  /**
   * Where volatile-layers.json lives (default: beside layers.json). HEAD's transient store puts
   * it in the run dir (`$RUNROOT/<driver>-layers`), so volatile records vanish with the run root.
   */
  volatileDir?: string;
  /**
   * HEAD split image store: `<imagestore>/<driver>-layers`. Records of new read-only (image)
   * layers go to its layers.json; its layers.lock is taken after the graph root's.
   */
  imageLayerDir?: string;
  /** A read-only (additional) store: only read locks, every write method throws ReadOnlyStoreError. */
  readOnly?: boolean;
}

export interface CreateLayerOptions {
  /** Defaults to a fresh random 64-hex ID. */
  id?: string;
  names?: string[];
  /** Reference (ID, name or prefix) of the parent layer; empty or absent for a base layer. */
  parent?: string;
  /**
   * The parent may live in another (read-only) layer store, as Go allows: when `parent` is not
   * found here it is recorded verbatim (it must then be a full ID the caller has checked).
   */
  externalParent?: boolean;
  mountLabel?: string;
  /** Create with the driver's read-write create (container layers). Default false. */
  writeable?: boolean;
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  storageOpt?: Record<string, string>;
  flags?: Record<string, GenericValue>;
  /** Keep the record in volatile-layers.json (HEAD; invisible to 1.43 readers). */
  volatile?: boolean;
}

export interface PutLayerOptions extends CreateLayerOptions {
  /** Caller-known digest and size of the blob as supplied; stored instead of the computed ones. */
  compressedDigest?: string;
  compressedSize?: number;
  /** Caller-known digest and size of the uncompressed tar; stored instead of the computed ones. */
  uncompressedDigest?: string;
  uncompressedSize?: number;
}

export interface DiffOptions {
  /** Output compression; defaults to the compression the layer's tarball came in. */
  compression?: CompressionName;
}

/**
 * The layer store (on-disk.md §2.2, §2.3, §3, §4): layers.json and volatile-layers.json under
 * layers.lock, mountpoints.json under mountpoints.lock, tar-split files and big data, on top of
 * a graph driver. Every public method takes the lock it needs; `withWriteLock` lets a caller
 * (the Store) hold the write lock across several calls.
 */
export class LayerStore {
  readonly driver: Driver;
  readonly paths: LayerStorePaths;
  readonly readOnly: boolean;
  readonly #layersLock: LayerLocks;
  readonly #mountsLock: LockFile | null;
  readonly #scope: LockScope;
  #index = new LayerIndex<StoredLayer>();
  #loaded = false;
  /** Per record file: mtime at the last load or write (a change means another writer). */
  #mtimes = new Map<string, bigint | null>();
  /** Per record file: the text last read or written, so saves skip unchanged files. */
  #texts = new Map<string, string>();
  /** Deletions staged under the write lock, finished once the outermost lock is released. */
  #pendingCleanups: Array<() => Promise<void>> = [];
  /** The last load found repairs only a writer may do (set while read-locked). */
  #needsRepair = false;
  #closed = false;

  private constructor(driver: Driver, paths: LayerStorePaths, readOnly: boolean, layersLock: LayerLocks, mountsLock: LockFile | null) {
    this.driver = driver;
    this.paths = paths;
    this.readOnly = readOnly;
    this.#layersLock = layersLock;
    this.#mountsLock = mountsLock;
    this.#scope = new LockScope(layersLock);
  }

  /**
   * Opens the store and loads it. A writable store is loaded under the write lock, which removes
   * the leftovers of interrupted creations and deletions (layers flagged `incomplete`, §4.3).
   * A corrupt layers.json or mountpoints.json refuses to open (CorruptFileError).
   */
  static async open(opts: LayerStoreOptions): Promise<LayerStore> {
    const { driver } = opts;
    const readOnly = opts.readOnly ?? false;
    const layerDir = opts.layerDir ?? (opts.graphRoot !== undefined ? path.join(opts.graphRoot, `${driver.name}-layers`) : undefined);
    if (layerDir === undefined) throw new TypeError('LayerStore.open needs graphRoot or layerDir');
    const mountDir = readOnly
      ? null
      : (opts.mountDir ?? (opts.runRoot !== undefined ? path.join(opts.runRoot, `${driver.name}-layers`) : undefined));
    if (mountDir === undefined) throw new TypeError('LayerStore.open needs runRoot or mountDir for a writable store');
    if (readOnly && (opts.imageLayerDir !== undefined || opts.volatileDir !== undefined)) {
      throw new TypeError('LayerStore.open: a read-only store has no split image store or separate volatile dir');
    }
    const paths = layerStorePaths(layerDir, mountDir, { volatileDir: opts.volatileDir, imageLayerDir: opts.imageLayerDir });
    if (!readOnly) {
      for (const dir of [paths.layerDir, paths.mountDir!, path.dirname(paths.volatileLayersJSON), paths.imageLayerDir]) {
        if (dir !== null) mkdirSync(dir, { recursive: true, mode: 0o700 }); // cheap: inline, no thread-pool trip
      }
    }
    const lockPaths = paths.imageLayersLock === null ? [paths.layersLock] : [paths.layersLock, paths.imageLayersLock];
    const layersLock = await LayerLocks.open(lockPaths, readOnly);
    let mountsLock: LockFile | null = null;
    try {
      mountsLock = paths.mountpointsLock === null ? null : await LockFile.open(paths.mountpointsLock);
      const store = new LayerStore(driver, paths, readOnly, layersLock, mountsLock);
      await (readOnly ? store.#read(async () => {}) : store.#write(async () => {}));
      return store;
    } catch (err) {
      await mountsLock?.close();
      await layersLock.close();
      throw err;
    }
  }

  /** Releases the lock files. The store cannot be used afterwards. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const job of this.#pendingCleanups.splice(0)) await job().catch(() => {});
    await this.#mountsLock?.close();
    await this.#layersLock.close();
  }

  // ---- locking and loading ------------------------------------------------------------------

  /** Runs `fn` holding the layers write lock; store methods called inside do not relock. */
  withWriteLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.#write(fn);
  }

  /** Runs `fn` holding the layers read lock; read methods called inside do not relock. */
  withReadLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.#read(fn);
  }

  #read<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new LayerStoreClosedError());
    return this.#finishStagedAfter(() => this.#scope.run('r', (mode) => this.#refresh(mode), fn));
  }

  #write<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#closed) return Promise.reject(new LayerStoreClosedError());
    if (this.readOnly) return Promise.reject(new ReadOnlyStoreError('layer store'));
    return this.#finishStagedAfter(() =>
      this.#scope.run('w', (mode) => this.#refresh(mode), async () => {
        try {
          return await fn();
        } catch (err) {
          // Memory may now differ from disk: reload on the next access.
          this.#loaded = false;
          throw err;
        }
      }),
    );
  }

  /**
   * Runs a locked call; when it was the outermost one (the lock is released now), deletes what
   * deletions staged meanwhile (HEAD: after the layer lock is released, so it is held briefly).
   * Failures leave the staged dir with its lock file free: the next writer's load removes it.
   */
  async #finishStagedAfter<T>(locked: () => Promise<T>): Promise<T> {
    if (this.#scope.held() !== undefined) return locked();
    try {
      return await locked();
    } finally {
      const jobs = this.#pendingCleanups.splice(0);
      for (const job of jobs) await job().catch(() => {});
    }
  }

  /**
   * Called right after the lock was taken: reload when another writer left a new token or a
   * layer file's mtime moved (§3.5), then reload mount counts if their token moved.
   * Returns 'upgrade' when a reader of a writable store finds repairs to do.
   */
  async #refresh(mode: LockMode): Promise<'ok' | 'upgrade'> {
    const tokenMoved = await this.#layersLock.modified();
    let stale = !this.#loaded || (this.#needsRepair && mode === 'w') || tokenMoved;
    for (const [, file] of recordFiles(this.paths)) {
      if (stale) break;
      if ((await mtimeOf(file)) !== this.#mtimes.get(file)) stale = true;
    }
    if (stale) {
      const outcome = await this.#load(mode);
      if (outcome === 'upgrade') return 'upgrade';
    } else {
      await this.#refreshMounts(mode, false);
    }
    return 'ok';
  }

  async #load(mode: LockMode): Promise<'ok' | 'upgrade'> {
    const loaded = await loadLayerFiles(this.paths);
    const index = new LayerIndex<StoredLayer>();
    let namesRepaired = false;
    for (const layer of loaded.layers) {
      layer.readOnly = this.readOnly;
      // A name on two records: Go keeps it on the later one and strips it from the earlier.
      for (const name of layer.names) {
        const earlier = index.byName.get(name);
        if (earlier !== undefined && earlier !== layer) {
          earlier.names = earlier.names.filter((n) => n !== name);
          namesRepaired = true;
        }
      }
      index.add(layer);
      // add() indexed names of the earlier records before they were stripped; reindex by name.
    }
    index.byName.clear();
    for (const layer of index.ordered) for (const name of layer.names) index.byName.set(name, layer);
    const incomplete = this.readOnly ? [] : index.ordered.filter(isIncomplete);
    this.#index = index;
    this.#mtimes = loaded.mtimes;
    this.#texts = loaded.texts;
    this.#loaded = true;
    this.#needsRepair = false;
    await this.#refreshMounts(mode, true);
    if ((incomplete.length > 0 || namesRepaired) && mode === 'r' && !this.readOnly) {
      // Readers see what Go readers see meanwhile; a writer repairs first.
      this.#needsRepair = true;
      return 'upgrade';
    }
    if (mode === 'w') {
      await this.#recoverStagedDeletions();
      for (const layer of incomplete) await this.#removeLayerData(layer);
      for (const layer of incomplete) this.#index.remove(layer);
      if (incomplete.length > 0 || namesRepaired) await this.#saveLayers();
      if (incomplete.some((l) => l.mountCount > 0)) await this.#saveMounts();
    }
    return 'ok';
  }

  /** Applies mountpoints.json to the loaded layers (counts reset first, unknown IDs ignored). */
  async #refreshMounts(mode: LockMode, force: boolean): Promise<void> {
    const lock = this.#mountsLock;
    if (lock === null || this.paths.mountpointsJSON === null) return;
    if (mode === 'w') await lock.lock();
    else await lock.rLock();
    try {
      const moved = await lock.modified();
      if (!moved && !force) return;
      const records = await loadMountFile(this.paths.mountpointsJSON);
      for (const layer of this.#index.ordered) {
        layer.mountCount = 0;
        this.#index.setMountPoint(layer, '');
      }
      for (const rec of records) {
        const layer = this.#index.byID.get(rec.id);
        if (layer === undefined) continue;
        this.#index.setMountPoint(layer, rec.path);
        layer.mountCount = rec.count;
      }
    } finally {
      await lock.unlock();
    }
  }

  /** New token first (HEAD order), then the files; remember their mtimes so we do not reload our own write. */
  async #saveLayers(): Promise<void> {
    await this.#layersLock.touch();
    await saveLayerFiles(this.paths, this.#index.ordered, this.#texts, this.#mtimes);
  }

  /** HEAD: staged deletions whose owner died (lock file free) go, here and in the driver's tempdirs/. */
  async #recoverStagedDeletions(): Promise<void> {
    await recoverStaleTempDirs(this.paths.tmpDir);
    await this.driver.recoverTempDirs?.();
  }

  async #saveMounts(): Promise<void> {
    const lock = this.#mountsLock;
    if (lock === null || this.paths.mountpointsJSON === null) return;
    await lock.lock();
    try {
      await lock.touch();
      await saveMountFile(this.paths.mountpointsJSON, this.#index.ordered);
    } finally {
      await lock.unlock();
    }
  }

  #resolve(ref: string): StoredLayer {
    return this.#index.resolve(ref);
  }

  // ---- reading ------------------------------------------------------------------------------

  /** Every layer, stable file first (copies). */
  layers(): Promise<Layer[]> {
    return this.#read(async () => this.#index.ordered.map(snapshot));
  }

  /** The layer with this ID, name or unique ID prefix; LayerUnknownError otherwise. */
  get(ref: string): Promise<Layer> {
    return this.#read(async () => snapshot(this.#resolve(ref)));
  }

  /** The full ID for a reference. */
  lookup(ref: string): Promise<string> {
    return this.#read(async () => this.#resolve(ref).id);
  }

  exists(ref: string): Promise<boolean> {
    return this.#read(async () => {
      try {
        this.#resolve(ref);
        return true;
      } catch (err) {
        if (err instanceof LayerUnknownError) return false;
        throw err;
      }
    });
  }

  /** Layers whose supplied (compressed) blob had this digest; [] when none. */
  layersByCompressedDigest(digest: string): Promise<Layer[]> {
    return this.#byDigest(this.#index.byCompressedDigest, digest);
  }

  /** Layers whose uncompressed tar ("DiffID") had this digest; [] when none. */
  layersByUncompressedDigest(digest: string): Promise<Layer[]> {
    return this.#byDigest(this.#index.byUncompressedDigest, digest);
  }

  layersByTOCDigest(digest: string): Promise<Layer[]> {
    return this.#byDigest(this.#index.byTOCDigest, digest);
  }

  #byDigest(map: Map<string, string[]>, digest: string): Promise<Layer[]> {
    return this.#read(async () => (map.get(digest) ?? []).map((id) => snapshot(this.#index.byID.get(id)!)));
  }

  /** How many mounts of the layer are outstanding. */
  mounted(ref: string): Promise<number> {
    return this.#read(async () => this.#resolve(ref).mountCount);
  }

  // ---- creating -----------------------------------------------------------------------------

  /** Creates an empty layer (create-layer). */
  async create(opts: CreateLayerOptions = {}): Promise<Layer> {
    const { layer } = await this.put(opts);
    return layer;
  }

  /**
   * Creates a layer and, when `diff` is given, applies that tarball (any compression) to it
   * (import-layer, upstream PutLayer). The whole creation runs under the write lock, with the
   * record saved as `incomplete` first and the flag cleared last; on any failure nothing of the
   * layer remains. `size` is what the driver's apply reports (layer-diff.md §2.9).
   */
  put(opts: PutLayerOptions, diff?: AsyncIterable<Uint8Array>): Promise<{ layer: Layer; size: number }> {
    return this.#write(async () => {
      const layer = this.#newRecord(opts);
      this.#index.add(layer);
      try {
        await this.#saveLayers();
      } catch (err) {
        this.#index.remove(layer);
        throw err;
      }
      let size = 0;
      try {
        const parent = layer.parent === '' ? null : layer.parent;
        const createOpts = {
          mountLabel: layer.mountLabel || undefined,
          storageOpt: opts.storageOpt,
          uidMaps: layer.uidMap,
          gidMaps: layer.gidMap,
        };
        if (opts.writeable) await this.driver.createReadWrite(layer.id, parent, createOpts);
        else await this.driver.create(layer.id, parent, createOpts);
        if (diff !== undefined) size = await this.#applyDiffTo(layer, diff, opts);
        delete layer.flags[INCOMPLETE_FLAG];
        await this.#saveLayers();
      } catch (err) {
        await this.#deleteNow(layer).catch(() => {
          // The record keeps its incomplete flag; the next writer to open the store removes it.
        });
        throw err;
      }
      return { layer: snapshot(layer), size };
    });
  }

  #newRecord(opts: PutLayerOptions): StoredLayer {
    // Caller-supplied digests go into layers.json verbatim: refuse malformed ones up front.
    for (const d of [opts.compressedDigest, opts.uncompressedDigest]) if (d) assertValidDigest(d);
    let id = opts.id;
    if (id === undefined) {
      do id = generateID();
      while (this.#index.byID.has(id));
    } else {
      assertUsableID(id);
      if (this.#index.byID.has(id)) throw new DuplicateLayerIDError(id);
    }
    const names = dedupeNames(opts.names ?? []);
    for (const name of names) {
      const owner = this.#index.byName.get(name);
      if (owner !== undefined) throw new DuplicateLayerNameError(name, owner.id);
    }
    const parent = opts.parent ? this.#resolveParent(opts.parent, opts.externalParent ?? false) : '';
    const layer = emptyLayer(id);
    layer.names = names;
    layer.parent = parent;
    layer.mountLabel = opts.mountLabel ?? '';
    layer.created = GoTime.now();
    layer.uidMap = structuredClone(opts.uidMap ?? []);
    layer.gidMap = structuredClone(opts.gidMap ?? []);
    layer.flags = { ...structuredClone(opts.flags ?? {}), [INCOMPLETE_FLAG]: true };
    setLocation(layer, this.#locationFor(opts));
    return layer;
  }

  /** HEAD pickStoreLocation: volatile first, then image layers into a split image store. */
  #locationFor(opts: CreateLayerOptions): LayerLocation {
    if (opts.volatile) return 'volatile';
    if (!opts.writeable && this.paths.imageLayerDir !== null) return 'image';
    return 'stable';
  }

  #resolveParent(ref: string, external: boolean): string {
    try {
      return this.#resolve(ref).id;
    } catch (err) {
      if (external && err instanceof LayerUnknownError && !(err instanceof AmbiguousLayerIDError)) {
        assertUsableID(ref);
        return ref;
      }
      throw err;
    }
  }

  /**
   * Applies a tarball to an existing layer and records what it was: digests, sizes,
   * compression, uid/gid sets and the tar-split (written after the contents, so its mtime
   * dates the import; see diffSource).
   */
  async #applyDiffTo(layer: StoredLayer, diff: AsyncIterable<Uint8Array>, expected: PutLayerOptions = {}): Promise<number> {
    const parent = layer.parent === '' ? null : layer.parent;
    const result: ApplyResult = await this.driver.applyDiff(layer.id, parent, diff, {
      uidMaps: layer.uidMap,
      gidMaps: layer.gidMap,
      mountLabel: layer.mountLabel || undefined,
      recordTarSplit: true,
    });
    return this.#recordApply(layer, result, expected);
  }

  /** Records what an apply found: tar-split file, digests, sizes, compression, uid/gid sets. */
  async #recordApply(layer: StoredLayer, result: ApplyResult, expected: PutLayerOptions = {}): Promise<number> {
    const { compressionCode } = await loadArchive();
    const tarSplitFile = tarSplitPath(this.paths.layerDir, layer.id);
    if (result.tarSplit !== undefined) await atomicWriteFile(tarSplitFile, result.tarSplit);
    else await fs.rm(tarSplitFile, { force: true });
    this.#index.updateDigests(layer, () => {
      const callerCompressed = expected.compressedDigest !== undefined && expected.compressedDigest !== '';
      layer.compressedDigest = callerCompressed ? expected.compressedDigest! : result.compressedDigest;
      layer.compressedSize = callerCompressed && expected.compressedSize !== undefined ? expected.compressedSize : result.compressedSize;
      const callerUncompressed = expected.uncompressedDigest !== undefined && expected.uncompressedDigest !== '';
      layer.uncompressedDigest = callerUncompressed ? expected.uncompressedDigest! : result.uncompressedDigest;
      layer.uncompressedSize =
        callerUncompressed && expected.uncompressedSize !== undefined ? expected.uncompressedSize : result.uncompressedSize;
      layer.compression = compressionCode(result.compression);
      layer.uidset = [...result.uidset];
      layer.gidset = [...result.gidset];
    });
    return result.size;
  }

  /**
   * Applies another tarball to an existing layer (applydiff). On failure the layer keeps what was
   * already extracted and its recorded digests stay as they were (layer-diff.md §1.4); the
   * contents then post-date the old tar-split, so diff() regenerates instead of replaying it.
   */
  applyDiff(ref: string, diff: AsyncIterable<Uint8Array>): Promise<number> {
    return this.#write(async () => {
      const layer = this.#resolve(ref);
      const size = await this.#applyDiffTo(layer, diff);
      await this.#saveLayers();
      return size;
    });
  }

  /**
   * applydiff-using-staging-dir (upstream PrepareStagedLayer + ApplyStagedLayer): the tarball is
   * unpacked into the driver's staging area without the lock, then, under the write lock, the
   * staged tree becomes the layer's whole content and is recorded as applyDiff records it. The
   * staging dir is gone afterwards, whatever happened. StagingNotSupportedError for drivers
   * without a staging area (vfs).
   */
  async applyStagedDiff(ref: string, diff: AsyncIterable<Uint8Array>): Promise<number> {
    const drv = this.driver;
    if (!drv.prepareStaged || !drv.applyStaged || !drv.cleanupStaged) throw new StagingNotSupportedError(drv.name);
    if (this.readOnly) throw new ReadOnlyStoreError('layer store');
    const layer = await this.get(ref);
    const opts = { uidMaps: layer.uidMap, gidMaps: layer.gidMap, mountLabel: layer.mountLabel || undefined, recordTarSplit: true };
    const staged = await drv.prepareStaged(diff, opts);
    try {
      return await this.#write(async () => {
        const current = this.#resolve(layer.id);
        await drv.applyStaged!(current.id, current.parent === '' ? null : current.parent, staged);
        const size = await this.#recordApply(current, staged.result);
        await this.#saveLayers();
        return size;
      });
    } finally {
      await drv.cleanupStaged(staged);
    }
  }

  /**
   * Upstream layerStore dedup: the given layers and their ancestors in this store (unknown ones
   * end their chain) go to the driver's dedup, under the write lock. Drivers without one share nothing.
   */
  dedup(tops: readonly string[], opts: DedupOptions): Promise<DedupResult> {
    return this.#write(async () => {
      const ids = new Set<string>();
      for (const top of tops) {
        let layer = this.#index.byID.get(top);
        while (layer !== undefined && !ids.has(layer.id)) {
          ids.add(layer.id);
          layer = layer.parent === '' ? undefined : this.#index.byID.get(layer.parent);
        }
      }
      if (!this.driver.dedup || ids.size === 0) return { deduped: 0 };
      return this.driver.dedup([...ids], opts);
    });
  }

  // ---- changing records ---------------------------------------------------------------------

  /** Replaces the layer's names; a name another layer has is taken away from it (as Go does). */
  setNames(ref: string, names: string[]): Promise<Layer> {
    return this.#updateNames(ref, () => dedupeNames(names));
  }

  /** Adds names; as in HEAD, the new names come first, then the old ones (duplicates dropped). */
  addNames(ref: string, names: string[]): Promise<Layer> {
    return this.#updateNames(ref, (old) => dedupeNames([...names, ...old]));
  }

  removeNames(ref: string, names: string[]): Promise<Layer> {
    return this.#updateNames(ref, (old) => old.filter((n) => !names.includes(n)));
  }

  #updateNames(ref: string, compute: (old: string[]) => string[]): Promise<Layer> {
    return this.#write(async () => {
      const layer = this.#resolve(ref);
      const next = compute(layer.names);
      for (const name of next) {
        const owner = this.#index.byName.get(name);
        if (owner !== undefined && owner !== layer) {
          owner.names = owner.names.filter((n) => n !== name);
          this.#index.byName.delete(name);
        }
      }
      for (const name of layer.names) if (this.#index.byName.get(name) === layer) this.#index.byName.delete(name);
      layer.names = next;
      for (const name of next) this.#index.byName.set(name, layer);
      await this.#saveLayers();
      return snapshot(layer);
    });
  }

  setMetadata(ref: string, metadata: string): Promise<void> {
    return this.#write(async () => {
      this.#resolve(ref).metadata = metadata;
      await this.#saveLayers();
    });
  }

  setFlag(ref: string, key: string, value: GenericValue): Promise<void> {
    return this.#write(async () => {
      this.#resolve(ref).flags[key] = structuredClone(value);
      await this.#saveLayers();
    });
  }

  clearFlag(ref: string, key: string): Promise<void> {
    return this.#write(async () => {
      delete this.#resolve(ref).flags[key];
      await this.#saveLayers();
    });
  }

  // ---- big data -----------------------------------------------------------------------------

  /** Stores a named item next to the layer (file first, then the record). */
  setBigData(ref: string, key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    return this.#write(async () => {
      const layer = this.#resolve(ref); // the CLI resolves the layer before Go's key check
      bigDataFileName(key, "can't set empty name for layer big data item");
      await writeBigDataFile(bigDataDir(this.paths.layerDir, layer.id), key, data);
      if (!layer.bigDataNames.includes(key)) {
        layer.bigDataNames.push(key);
        await this.#saveLayers();
      }
    });
  }

  /** A stream of a named item; LayerDataNotFoundError when there is none. */
  bigData(ref: string, key: string): Promise<Readable> {
    return this.#read(async () => {
      const layer = this.#resolve(ref);
      const file = bigDataPath(bigDataDir(this.paths.layerDir, layer.id), key);
      const handle = await fs.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new LayerDataNotFoundError(layer.id, key);
        throw err;
      });
      return handle.createReadStream();
    });
  }

  bigDataNames(ref: string): Promise<string[]> {
    return this.#read(async () => [...this.#resolve(ref).bigDataNames]);
  }

  // ---- mounting -----------------------------------------------------------------------------

  /**
   * Mounts the layer (or counts one more user of an existing mount) and returns the path.
   * Defaults to the layer's own mount label and ID maps.
   */
  mount(ref: string, opts: MountOpts = {}): Promise<string> {
    return this.#write(async () => {
      const layer = this.#resolve(ref);
      if (layer.mountCount > 0 && layer.mountPoint !== '' && (await this.driver.isMounted(layer.id))) {
        layer.mountCount++;
        await this.#saveMounts();
        return layer.mountPoint;
      }
      const mountOpts: MountOpts = {
        ...opts,
        mountLabel: opts.mountLabel ?? (layer.mountLabel || undefined),
        uidMaps: opts.uidMaps ?? layer.uidMap,
        gidMaps: opts.gidMaps ?? layer.gidMap,
      };
      const mountPoint = path.resolve(await this.driver.get(layer.id, mountOpts));
      this.#index.setMountPoint(layer, mountPoint);
      layer.mountCount++;
      await this.#saveMounts();
      return mountPoint;
    });
  }

  /**
   * Drops one mount (all of them with `force`). Returns true while the layer stays mounted.
   * Unmounting a layer that is not mounted succeeds.
   */
  unmount(ref: string, force = false): Promise<boolean> {
    return this.#write(async () => {
      const layer = this.#resolve(ref);
      if (layer.mountCount > 1 && !force) {
        layer.mountCount--;
        await this.#saveMounts();
        return true;
      }
      await this.driver.put(layer.id);
      const wasCounted = layer.mountCount > 0 || layer.mountPoint !== '';
      layer.mountCount = 0;
      this.#index.setMountPoint(layer, '');
      if (wasCounted) await this.#saveMounts();
      return false;
    });
  }

  // ---- diffs --------------------------------------------------------------------------------

  /** Resolves `to` and the layer to compare with: `from`, or the parent when `from` is empty or unknown. */
  #diffPair(from: string | null | undefined, to: string): { layer: StoredLayer; fromID: string } {
    const layer = this.#resolve(to);
    let fromID = layer.parent;
    if (from) {
      try {
        fromID = this.#resolve(from).id;
      } catch (err) {
        // Upstream falls back to the parent for an unknown `from` (layer-diff.md §5.1 step 1).
        if (!(err instanceof LayerUnknownError) || layer.parent === '') throw err;
      }
    }
    return { layer, fromID };
  }

  /**
   * Decides where diff() takes its bytes from. The tar-split replays the original tarball byte
   * for byte, but only while it still describes the layer: `from` must be the parent, the file
   * must exist, and nothing in the layer's own directory may have changed since it was written
   * (inode ctime later than the tar-split's mtime, see freshness.ts). Otherwise the driver
   * regenerates the diff from the contents, so a modified layer never yields the stale original.
   */
  diffSource(from: string | null | undefined, to: string): Promise<DiffSource> {
    return this.#read(async () => {
      const { layer, fromID } = this.#diffPair(from, to);
      return diffSourceOf(layer, fromID, this.driver, this.paths.layerDir);
    });
  }

  /**
   * The layer's changes as a tarball (layer-diff.md §5.1): the original bytes from the tar-split
   * when they still describe the layer, otherwise regenerated by the driver; compressed as
   * requested or as the layer's tarball was. The read lock is held until the stream ends.
   */
  async diff(from: string | null | undefined, to: string, opts: DiffOptions = {}): Promise<Readable> {
    if (this.#closed) throw new LayerStoreClosedError();
    const release = await this.#scope.acquire('r', (mode) => this.#refresh(mode));
    try {
      return await this.#scope.within('r', async () => {
        const { layer, fromID } = this.#diffPair(from, to);
        const compression: Compression = opts.compression ?? compressionName(layer.compression);
        if (compression === 'bzip2' || compression === 'xz') throw new UnsupportedDiffCompressionError(`tar.${compression === 'bzip2' ? 'bz2' : 'xz'}`);
        const { replayTarSplit, compressStream } = await loadArchive();
        let raw: Readable;
        if ((await diffSourceOf(layer, fromID, this.driver, this.paths.layerDir)) === 'tar-split') {
          const dirs = await this.driver.layerFileDirs(layer.id);
          raw = replayTarSplit(await fs.readFile(tarSplitPath(this.paths.layerDir, layer.id)), dirs);
        } else {
          raw = await this.driver.diff(layer.id, fromID === '' ? null : fromID, this.#diffOpts(layer));
        }
        const out = compression === 'none' ? raw : compressStream(raw, compression);
        let done = false;
        const finish = (): void => {
          if (done) return;
          done = true;
          release().catch(() => {
            // The store was closed while the stream ran; closing released the lock already.
          });
        };
        out.once('end', finish);
        out.once('close', finish);
        out.once('error', finish);
        if (out !== raw) raw.once('error', (err) => out.destroy(err));
        return out;
      });
    } catch (err) {
      await release();
      throw err;
    }
  }

  #diffOpts(layer: StoredLayer): { uidMaps: IDMap[]; gidMaps: IDMap[]; mountLabel?: string } {
    return { uidMaps: layer.uidMap, gidMaps: layer.gidMap, mountLabel: layer.mountLabel || undefined };
  }

  /** What changed in the layer relative to `from` (default: its parent). */
  changes(from: string | null | undefined, to: string): Promise<Change[]> {
    return this.#read(async () => {
      const { layer, fromID } = this.#diffPair(from, to);
      return this.driver.changes(layer.id, fromID === '' ? null : fromID, this.#diffOpts(layer));
    });
  }

  /** Size of the changes as the driver counts it (layer-diff.md §6.1); not the tarball size. */
  diffSize(from: string | null | undefined, to: string): Promise<number> {
    return this.#read(async () => {
      const { layer, fromID } = this.#diffPair(from, to);
      return this.driver.diffSize(layer.id, fromID === '' ? null : fromID, this.#diffOpts(layer));
    });
  }

  /**
   * What the layer store alone can prove wrong, per layer ID (parent, driver data, big data and,
   * with `contents`, the tar-split against diff-digest/diff-size). Reports only; the Store
   * decides what to delete.
   */
  check(opts: CheckOptions = {}): Promise<Map<string, LayerProblem[]>> {
    return this.#read(() => checkLayers(this.#index.ordered, this.driver, this.paths.layerDir, opts));
  }

  // ---- deleting -----------------------------------------------------------------------------

  /**
   * Deletes a layer: refused while other layers build on it (unless `ignoreChildren`, the CLI's
   * unchecked `delete`); a mounted layer is unmounted first. The record is flagged `incomplete`
   * before any data goes, so a crash half-way is finished by the next writer.
   */
  delete(ref: string, opts: { ignoreChildren?: boolean } = {}): Promise<void> {
    return this.#write(async () => {
      const layer = this.#resolve(ref);
      if (!opts.ignoreChildren) {
        const child = this.#index.ordered.find((l) => l.parent === layer.id);
        if (child !== undefined) throw new LayerHasChildrenError(layer.id, child.id);
      }
      await this.#deleteNow(layer);
    });
  }

  /** Deletes every layer, children before their parents. */
  wipe(): Promise<void> {
    return this.#write(async () => {
      for (;;) {
        if (this.#index.ordered.length === 0) break;
        const parents = new Set(this.#index.ordered.map((l) => l.parent));
        const leaves = this.#index.ordered.filter((l) => !parents.has(l.id));
        // A parent cycle (only a damaged file has one) has no leaf: take the newest layer then.
        for (const layer of leaves.length > 0 ? leaves : this.#index.ordered.slice(-1)) await this.#deleteNow(layer);
      }
    });
  }

  async #deleteNow(layer: StoredLayer): Promise<void> {
    if (!isIncomplete(layer)) {
      layer.flags[INCOMPLETE_FLAG] = true;
      await this.#saveLayers();
    }
    const wasMounted = layer.mountCount > 0 || layer.mountPoint !== '';
    await this.#removeLayerData(layer);
    this.#index.remove(layer);
    await this.#saveLayers();
    if (wasMounted) await this.#saveMounts();
  }

  /**
   * Unmounts, then takes away the driver data, the tar-split file and the big-data directory.
   * As HEAD, they are staged: renamed into staged-deletion dirs (`<driver home>/tempdirs/`,
   * `<layer dir>/tmp/`, each under a locked `lock-*` file) and deleted once the layer lock is
   * released. Drivers without staging remove their data at once.
   */
  async #removeLayerData(layer: StoredLayer): Promise<void> {
    if (layer.mountCount > 0 || layer.mountPoint !== '') {
      await this.driver.put(layer.id);
      layer.mountCount = 0;
      this.#index.setMountPoint(layer, '');
    }
    if (this.driver.deferredRemove) this.#pendingCleanups.push(await this.driver.deferredRemove(layer.id));
    else await this.driver.remove(layer.id);
    const own = [tarSplitPath(this.paths.layerDir, layer.id), bigDataDir(this.paths.layerDir, layer.id)];
    const present = await Promise.all(own.map((p) => fs.lstat(p).then(() => true, () => false)));
    if (!present.includes(true)) return;
    const tmp = await TempDir.create(this.paths.tmpDir);
    this.#pendingCleanups.push(() => tmp.cleanup());
    for (const p of own) await tmp.stage(p);
  }
}
