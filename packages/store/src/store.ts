import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import type { DedupOptions, DedupResult, Driver, MountOpts } from '@cs/drivers';
import { ImageStore, ImageUnknownError, type CreateImageOptions, type Image } from '@cs/images';
import {
  LayerDataNotFoundError,
  LayerInUseError,
  LayerStore,
  LayerUnknownError,
  type CreateLayerOptions,
  type DiffOptions,
  type Layer,
  type PutLayerOptions,
} from '@cs/layers';
import { ContainerStore, ContainerUnknownError, type Container, type CreateContainerOptions } from '@cs/containers';
import {
  BigDataUnknownError,
  DigestUnknownError,
  DuplicateIDError,
  InvalidBigDataKeyError,
  ReadOnlyStoreError,
  SizeUnknownError,
  type GenericValue,
  type IDMap,
} from '@cs/records';
import type { Change } from '@cs/archive';
import { ContainerNameInUseError, ParentIsContainerError, ImageInUseError, LayerMountedError, NotFoundError, StoreClosedError } from './errors.js';
import { GraphLock } from './graph-lock.js';
import { additionalImageStores, type ResolvedStoreOptions, type StoreOptions } from './options.js';
import { resolveStoreOptions } from './resolve-options.js';
import { chooseDriver, closeParts, openDriverParts, type DriverParts } from './driver-parts.js';
import { parentOwners, type ParentOwners } from './parent-owners.js';
import { listDriverLayers } from './driver-layers.js';
import { planImageDeletion } from './delete-plan.js';
import { treeFileSize } from './tree-size.js';
import { generateID } from '@cs/ids';
import { assertPartialImages } from './pull-options.js';
import { directoryTar, imageTopLayers } from './staged-sources.js';
import { ImageStores, type ImagesWriter } from './image-stores.js';

/** Version reported by `version` (the Go library generation whose on-disk format we write). */
export const STORE_VERSION = '1.43.0';

export type ItemKind = 'layer' | 'image' | 'container';

/**
 * The containers/storage Store: a graph driver plus the layer, image and container stores of one
 * graph root, under the graph lock and the lock order of on-disk.md §3.3
 * (storage.lock → layers.lock (+ read-only stores) → images.lock (+ read-only) → containers.lock).
 */
export class Store {
  readonly options: ResolvedStoreOptions;
  readonly #graph: GraphLock;
  #parts: DriverParts;
  /** The image store new images go to (`<imagestore>/$DRV-images` with a split image store). */
  readonly images: ImageStore;
  /** Every writable image store: `images`, then (split image store) the graph root's. */
  readonly #rwImages: ImageStores;
  readonly roImages: ImageStore[];
  readonly containers: ContainerStore;
  #closed = false;

  private constructor(
    options: ResolvedStoreOptions,
    graph: GraphLock,
    parts: DriverParts,
    rwImages: ImageStores,
    roImages: ImageStore[],
    containers: ContainerStore,
  ) {
    this.options = options;
    this.#graph = graph;
    this.#parts = parts;
    this.#rwImages = rwImages;
    this.images = rwImages.primary;
    this.roImages = roImages;
    this.containers = containers;
  }

  /** Opens (creating as needed) the store described by `opts`. */
  static async open(opts: StoreOptions): Promise<Store> {
    const resolved = resolveStoreOptions(opts);
    mkdirSync(resolved.runRoot, { recursive: true, mode: 0o700 }); // one cheap syscall: inline, not a thread-pool trip
    const graph = await GraphLock.open(resolved.graphRoot);
    let parts: DriverParts | undefined;
    try {
      parts = await graph.run(async () => {
        if (resolved.driver === '') {
          resolved.driver = await chooseDriver(resolved);
          resolved.additionalImageStores = additionalImageStores(resolved.driverOptions, resolved.driver).map((d) => path.resolve(d));
        }
        return openDriverParts(resolved);
      });
      const drv = resolved.driver;
      const imageRunDir = path.join(resolved.runRoot, `${drv}-images`);
      // Split image store (HEAD): new images go to <imagestore>/$DRV-images; the graph root's stay writable.
      const rw = [await ImageStore.open(path.join(resolved.imageStore ?? resolved.graphRoot, `${drv}-images`), { runDir: imageRunDir })];
      if (resolved.imageStore !== undefined) rw.push(await ImageStore.open(path.join(resolved.graphRoot, `${drv}-images`), { runDir: imageRunDir }));
      const roImages: ImageStore[] = [];
      for (const dir of resolved.additionalImageStores) roImages.push(await ImageStore.open(path.join(dir, `${drv}-images`), { readOnly: true }));
      // Transient store (HEAD): containers.json and container dirs stay in the graph root;
      // containers.lock and volatile-containers.json (new records) live under the run root.
      const containers = await ContainerStore.open(path.join(resolved.graphRoot, `${drv}-containers`), {
        runDir: path.join(resolved.runRoot, `${drv}-containers`),
        transient: resolved.transientStore,
      });
      return new Store(resolved, graph, parts, new ImageStores(rw), roImages, containers);
    } catch (err) {
      if (parts) await closeParts(parts);
      await graph.close();
      throw err;
    }
  }

  /** Every writable image store: `images` first, then (split image store) the graph root's. */
  get writableImageStores(): readonly ImageStore[] {
    return this.#rwImages.all;
  }

  get graphRoot(): string {
    return this.options.graphRoot;
  }
  get runRoot(): string {
    return this.options.runRoot;
  }
  get driverName(): string {
    return this.options.driver;
  }

  /** The read-write layer store (after a freshness check of the driver). */
  async layerStore(): Promise<LayerStore> {
    await this.#fresh();
    return this.#parts.layers;
  }

  /** The graph driver (after a freshness check). */
  async driver(): Promise<Driver> {
    await this.#fresh();
    return this.#parts.driver;
  }

  #check(): void {
    if (this.#closed) throw new StoreClosedError();
  }

  /** Takes the graph lock briefly; re-opens the driver when another process shut it down. */
  async #fresh(): Promise<void> {
    this.#check();
    await this.#graph.run((changed) => this.#reloadIf(changed));
  }

  async #reloadIf(changed: boolean): Promise<void> {
    if (!changed) return;
    const old = this.#parts;
    this.#parts = await openDriverParts(this.options);
    await closeParts(old);
  }

  /** Runs `fn` holding the graph lock (mounts, unmounts, shutdown). */
  async #underGraphLock<T>(fn: (parts: DriverParts) => Promise<T>): Promise<T> {
    this.#check();
    return this.#graph.run(async (changed) => {
      await this.#reloadIf(changed);
      return fn(this.#parts);
    });
  }

  /** Read-write layers first, then read-only ones; callers get the store a layer lives in. */
  async #findLayer(ref: string): Promise<{ store: LayerStore; layer: Layer }> {
    const { layers, roLayers } = this.#parts;
    let firstMiss: LayerUnknownError | undefined;
    for (const s of [layers, ...roLayers]) {
      try {
        return { store: s, layer: await s.get(ref) };
      } catch (err) {
        if (!(err instanceof LayerUnknownError)) throw err;
        // Keep an ambiguity report (a subclass) rather than a plain "not known".
        if (firstMiss === undefined || firstMiss.code === 'ERR_LAYER_UNKNOWN') firstMiss = err;
      }
    }
    throw firstMiss ?? new LayerUnknownError(ref);
  }

  async #findReadOnlyImage(ref: string): Promise<Image> {
    for (const s of this.roImages) if (await s.exists(ref)) return s.get(ref);
    throw new ImageUnknownError(ref);
  }

  async #findImage(ref: string): Promise<{ store: ImageStore; image: Image }> {
    for (const s of [...this.#rwImages.all, ...this.roImages]) {
      try {
        return { store: s, image: await s.get(ref) };
      } catch (err) {
        if (!(err instanceof ImageUnknownError) && (err as { code?: string }).code !== 'ERR_AMBIGUOUS_ID') throw err;
      }
    }
    throw new ImageUnknownError(ref);
  }

  // ---- lifecycle ----------------------------------------------------------------------------

  /**
   * Shuts the driver down (overlay releases its home bind mount) and records it in storage.lock.
   * With layers mounted: refused (LayerMountedError); with `force` every mounted layer is
   * unmounted first, and the same error is still raised (HEAD behaviour). The Store stays open
   * either way unless the shutdown succeeded.
   */
  async shutdown(force = false): Promise<string[]> {
    if (this.#closed) return [];
    const unmounted: string[] = [];
    await this.#underGraphLock(async (parts) => {
      const mounted = (await parts.layers.layers()).filter((l) => l.mountCount > 0);
      if (mounted.length > 0) {
        if (force) {
          for (const l of mounted) {
            await parts.layers.unmount(l.id, true);
            unmounted.push(l.id);
          }
        }
        throw new LayerMountedError(mounted.map((l) => l.id));
      }
      await this.#graph.touch();
      await parts.driver.cleanup();
    });
    await this.close();
    return unmounted;
  }

  /** Releases lock files without tearing the driver down (mounts stay; the next open picks them up). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await closeParts(this.#parts);
    await this.#rwImages.close();
    for (const s of this.roImages) await s.close();
    await this.containers.close();
    await this.#graph.close();
  }

  /** `status`: roots, driver name and options, then the driver's own pairs. */
  async status(): Promise<Array<[string, string]>> {
    const driver = await this.driver();
    return [
      ['Root', this.graphRoot],
      ['Run Root', this.runRoot],
      ['Driver Name', driver.name],
      ['Driver Options', `[${this.options.driverOptions.join(' ')}]`],
      ...(await driver.status()),
    ];
  }

  version(): Array<[string, string]> {
    return [['Version', STORE_VERSION]];
  }

  // ---- layers -------------------------------------------------------------------------------

  /** An empty layer (create-layer); `parent` may be a name or ID prefix. */
  async createLayer(opts: CreateLayerOptions = {}): Promise<Layer> {
    return (await this.putLayer(opts)).layer;
  }

  /**
   * A layer from a tarball in any compression (import-layer, upstream PutLayer). Holds the layer
   * write lock for the whole creation; on failure nothing of the layer remains.
   */
  async putLayer(opts: PutLayerOptions, diff?: AsyncIterable<Uint8Array>): Promise<{ layer: Layer; size: number }> {
    const layers = await this.layerStore();
    const o: PutLayerOptions = { ...opts, uidMap: opts.uidMap ?? this.options.uidMap, gidMap: opts.gidMap ?? this.options.gidMap };
    // Layers (W) first, then the container check (R), as upstream's lock order wants.
    return layers.withWriteLock(async () => {
      if (o.parent) {
        const parent = await this.#findLayer(o.parent);
        if (parent.store !== layers) throw new ReadOnlyStoreError('a parent layer in a read-only store cannot be built on by this driver');
        o.parent = parent.layer.id;
        const owner = (await this.containers.list()).find((c) => c.layer === o.parent);
        if (owner) throw new ParentIsContainerError(owner.id);
      }
      return layers.put(o, diff);
    });
  }

  /** Every layer: read-write store first, then read-only stores. */
  async layers(): Promise<Layer[]> {
    await this.#fresh();
    const out: Layer[] = [];
    for (const s of [this.#parts.layers, ...this.#parts.roLayers]) out.push(...(await s.layers()));
    return out;
  }

  async layer(ref: string): Promise<Layer> {
    await this.#fresh();
    return (await this.#findLayer(ref)).layer;
  }

  async layersByCompressedDigest(digest: string): Promise<Layer[]> {
    await this.#fresh();
    const out: Layer[] = [];
    for (const s of [this.#parts.layers, ...this.#parts.roLayers]) out.push(...(await s.layersByCompressedDigest(digest)));
    return out;
  }

  async layersByUncompressedDigest(digest: string): Promise<Layer[]> {
    await this.#fresh();
    const out: Layer[] = [];
    for (const s of [this.#parts.layers, ...this.#parts.roLayers]) out.push(...(await s.layersByUncompressedDigest(digest)));
    return out;
  }

  async setLayerBigData(ref: string, key: string, data: Uint8Array | AsyncIterable<Uint8Array>): Promise<void> {
    await (await this.layerStore()).setBigData(ref, key, data);
  }

  async layerBigData(ref: string, key: string): Promise<Readable> {
    await this.#fresh();
    const { store, layer } = await this.#findLayer(ref);
    // Go's Store reports a key its layer store refuses (the empty one) as a missing item.
    return store.bigData(layer.id, key).catch((err: unknown) => {
      throw err instanceof InvalidBigDataKeyError ? new LayerDataNotFoundError(layer.id, key) : err;
    });
  }

  async layerBigDataNames(ref: string): Promise<string[]> {
    await this.#fresh();
    return (await this.#findLayer(ref)).layer.bigDataNames;
  }

  /**
   * delete-layer: refused while the layer has children, is an image's top or mapped layer, or is
   * a container's layer. Lock order layers (W) → images (W) → containers (W).
   */
  async deleteLayer(ref: string): Promise<void> {
    const layers = await this.layerStore();
    await layers.withWriteLock(async () => {
      let id: string;
      try {
        id = await layers.lookup(ref);
      } catch (err) {
        if (err instanceof LayerUnknownError) throw new NotFoundError(ref, 'layer');
        throw err;
      }
      await this.#rwImages.write(async (images) => {
        const user = images.list().find((img) => img.topLayer === id);
        if (user) throw new LayerInUseError(id, 'image', user.id);
        await this.containers.write(async (containers) => {
          const ctr = containers.list().find((c) => c.layer === id);
          if (ctr) throw new LayerInUseError(id, 'container', ctr.id);
          await layers.delete(id);
          for (const img of images.list()) if (img.mappedTopLayers.includes(id)) await images.removeMappedTopLayer(img.id, id);
        });
      });
    });
  }

  /**
   * create-storage-layer: a layer only the driver knows (no record). `parent` is passed to the
   * driver as is (a driver-level ID). Read-write unless `readOnly`.
   */
  async createStorageLayer(opts: { id?: string; parent?: string; readOnly?: boolean; mountLabel?: string; uidMap?: IDMap[]; gidMap?: IDMap[] } = {}): Promise<string> {
    const layers = await this.layerStore();
    const id = opts.id ?? generateID();
    await layers.withWriteLock(async () => {
      const driver = this.#parts.driver;
      const createOpts = { mountLabel: opts.mountLabel, uidMaps: opts.uidMap ?? this.options.uidMap, gidMaps: opts.gidMap ?? this.options.gidMap };
      if (opts.readOnly) await driver.create(id, opts.parent || null, createOpts);
      else await driver.createReadWrite(id, opts.parent || null, createOpts);
    });
    return id;
  }

  /** storage-layers: the layer directories the driver holds, records or not, sorted. */
  async storageLayers(): Promise<string[]> {
    return listDriverLayers(await this.driver());
  }

  // ---- mounting -----------------------------------------------------------------------------

  /**
   * Mounts a container's layer (with its mount label) or a layer of the read-write store and
   * returns the mount point; each call counts one more mount. Holds storage.lock throughout.
   */
  async mount(ref: string, opts: MountOpts = {}): Promise<string> {
    return this.#underGraphLock(async (parts) => {
      const target = await this.#mountTarget(ref, parts);
      return parts.layers.mount(target.layerID, { ...target.opts, ...opts });
    });
  }

  /** Drops one mount (all with `force`). Returns true while the layer stays mounted. */
  async unmount(ref: string, force = false): Promise<boolean> {
    return this.#underGraphLock(async (parts) => {
      const target = await this.#mountTarget(ref, parts);
      return parts.layers.unmount(target.layerID, force);
    });
  }

  /** How many mounts of the container's or layer's layer are outstanding. */
  async mounted(ref: string): Promise<number> {
    await this.#fresh();
    const target = await this.#mountTarget(ref, this.#parts);
    return this.#parts.layers.mounted(target.layerID);
  }

  /** Mounts an image's top layer read-only (mount -r). */
  async mountImage(ref: string, opts: MountOpts = {}): Promise<string> {
    return this.#underGraphLock(async (parts) => {
      const { image, store } = await this.#findImage(ref);
      if (image.topLayer === '') throw new LayerUnknownError(ref);
      if (store.readOnly) throw new ReadOnlyStoreError('mounting read/only store images is not allowed');
      const top = await parts.layers.get(image.topLayer);
      let layerID = top.id;
      if (top.uidMap.length > 0 || top.gidMap.length > 0) {
        // A mapped top layer is mounted through a host-mapped copy (upstream MountImage).
        layerID = await parts.layers.withWriteLock(() =>
          this.#rwImages.write((images) => this.#topLayerForMapping(parts.layers, images, image.id, top.id, [], [])),
        );
      }
      return parts.layers.mount(layerID, { ...opts, readOnly: true });
    });
  }

  async unmountImage(ref: string, force = false): Promise<boolean> {
    return this.#underGraphLock(async (parts) => {
      const { image } = await this.#findImage(ref);
      if (image.topLayer === '') throw new LayerUnknownError(ref);
      const top = await parts.layers.get(image.topLayer);
      let layerID = top.id;
      if (top.uidMap.length > 0 || top.gidMap.length > 0) {
        for (const id of image.mappedTopLayers) {
          const mapped = await parts.layers.get(id).catch(() => null);
          if (mapped && mapped.uidMap.length === 0 && mapped.gidMap.length === 0) layerID = mapped.id;
        }
      }
      return parts.layers.unmount(layerID, force);
    });
  }

  async #mountTarget(ref: string, parts: DriverParts): Promise<{ layerID: string; opts: MountOpts }> {
    const ctr = await this.#maybeContainer(ref);
    if (ctr && ctr.layer === '') throw new LayerUnknownError(ref);
    if (ctr) {
      const label = ctr.flags['MountLabel'];
      const mountOpts = ctr.flags['MountOpts'];
      return {
        layerID: ctr.layer,
        opts: {
          mountLabel: typeof label === 'string' && label !== '' ? label : undefined,
          uidMaps: ctr.uidMap,
          gidMaps: ctr.gidMap,
          options: Array.isArray(mountOpts) ? mountOpts.filter((o): o is string => typeof o === 'string') : undefined,
        },
      };
    }
    try {
      return { layerID: await parts.layers.lookup(ref), opts: {} };
    } catch (err) {
      if (!(err instanceof LayerUnknownError)) throw err;
      for (const ro of parts.roLayers) {
        if (await ro.exists(ref)) throw new ReadOnlyStoreError('mounting read/only store images is not allowed');
      }
      throw err;
    }
  }

  // ---- diffs --------------------------------------------------------------------------------

  /** The layer's changes as a tarball: original bytes from the tar-split when possible (layer-diff.md §5). */
  async diff(from: string | null, to: string, opts: DiffOptions = {}): Promise<Readable> {
    const layers = await this.layerStore();
    return layers.diff(from, to, opts);
  }

  async changes(from: string | null, to: string): Promise<Change[]> {
    return (await this.layerStore()).changes(from, to);
  }

  async diffSize(from: string | null, to: string): Promise<number> {
    return (await this.layerStore()).diffSize(from, to);
  }

  /** Applies a tarball onto an existing read-write layer; returns the applied size. */
  async applyDiff(to: string, diff: AsyncIterable<Uint8Array>): Promise<number> {
    return (await this.layerStore()).applyDiff(to, diff);
  }

  /**
   * Applies a tarball through the driver's staging area: it becomes the layer's whole content
   * (upstream PrepareStagedLayer + ApplyStagedLayer). Needs `enable_partial_images` in the pull
   * options (PartialImagesDisabledError) and a driver with a staging area (overlay).
   */
  async applyStagedDiff(to: string, diff: AsyncIterable<Uint8Array>): Promise<number> {
    this.#check();
    assertPartialImages(this.options.pullOptions);
    return (await this.layerStore()).applyStagedDiff(to, diff);
  }

  /** applydiff-using-staging-dir: the directory's tree (its root entry left out, as upstream tars it) through applyStagedDiff. */
  async applyDirectoryUsingStagingDir(to: string, directory: string): Promise<number> {
    return this.applyStagedDiff(to, await directoryTar(directory));
  }

  /** dedup: shares identical files across the layers of every image (top, mapped tops and their ancestors). */
  async dedup(opts: DedupOptions): Promise<DedupResult> {
    const tops = imageTopLayers(await this.listImages());
    return (await this.layerStore()).dedup(tops, opts);
  }

  // ---- sizes and owners ---------------------------------------------------------------------

  /** Recorded uncompressed size, or the driver's diff size when none was recorded. */
  async layerSize(ref: string): Promise<number> {
    await this.#fresh();
    const { store, layer } = await this.#findLayer(ref);
    if (layer.uncompressedDigest !== '') return layer.uncompressedSize;
    return store.diffSize(null, layer.id);
  }

  /** Host UIDs/GIDs owning the directories above the mounted layer that its ID maps do not cover. */
  async layerParentOwners(ref: string): Promise<ParentOwners> {
    await this.#fresh();
    const { layer } = await this.#findLayer(ref);
    return parentOwners(layer);
  }

  // ---- images -------------------------------------------------------------------------------

  /** create-image: the top layer (name, ID or prefix; '' for none) must exist. Lock order layers (R) → images (W). */
  async createImage(opts: CreateImageOptions & { topLayer?: string } = {}): Promise<Image> {
    const layers = await this.layerStore();
    return layers.withReadLock(async () => {
      let topLayer = '';
      if (opts.topLayer) topLayer = (await this.#findLayer(opts.topLayer)).layer.id;
      return this.images.create({ ...opts, topLayer });
    });
  }

  /** Every image: read-write store first; read-only images whose ID the read-write store has are skipped. */
  async listImages(): Promise<Image[]> {
    this.#check();
    const out: Image[] = [];
    const seen = new Set<string>();
    for (const s of [...this.#rwImages.all, ...this.roImages]) {
      for (const img of await s.list()) if (!seen.has(img.id)) (seen.add(img.id), out.push(img));
    }
    return out;
  }

  async image(ref: string): Promise<Image> {
    this.#check();
    return (await this.#findImage(ref)).image;
  }

  async imagesByDigest(digest: string): Promise<Image[]> {
    this.#check();
    const out: Image[] = [];
    for (const s of [...this.#rwImages.all, ...this.roImages]) out.push(...(await s.byDigest(digest)));
    return out;
  }

  async imagesByTopLayer(ref: string): Promise<Image[]> {
    this.#check();
    const id = (await this.#findLayer(ref)).layer.id;
    const out: Image[] = [];
    for (const s of [...this.#rwImages.all, ...this.roImages]) out.push(...(await s.byTopLayer(id)));
    return out;
  }

  async setImageBigData(ref: string, key: string, data: Uint8Array | string, digestManifest?: (d: Uint8Array) => string | Promise<string>): Promise<void> {
    this.#check();
    await (await this.#rwImages.storeFor(ref)).setBigData(ref, key, data, { digestManifest });
  }

  // Go's Store turns a key the image store refuses (the empty one) into "not found" errors.
  async imageBigData(ref: string, key: string): Promise<Buffer> {
    const { store, image } = await this.#findImage(ref);
    return store.bigData(image.id, key).catch((err: unknown) => {
      throw err instanceof InvalidBigDataKeyError ? new BigDataUnknownError('image', image.id, key) : err;
    });
  }

  async imageBigDataSize(ref: string, key: string): Promise<number> {
    const { store, image } = await this.#findImage(ref);
    return store.bigDataSize(image.id, key).catch((err: unknown) => {
      throw err instanceof InvalidBigDataKeyError ? new SizeUnknownError(key) : err;
    });
  }

  async imageBigDataDigest(ref: string, key: string): Promise<string> {
    const { store, image } = await this.#findImage(ref);
    try {
      return await store.bigDataDigest(image.id, key);
    } catch (err) {
      throw err instanceof InvalidBigDataKeyError ? new DigestUnknownError(key) : err;
    }
  }

  async imageBigDataNames(ref: string): Promise<string[]> {
    return (await this.#findImage(ref)).image.bigDataNames;
  }

  /** `<graphroot>/<driver>-images/<ID>/userdata`, created. */
  async imageDirectory(ref: string): Promise<string> {
    this.#check();
    return (await this.#rwImages.storeFor(ref)).imageDir(ref);
  }

  async imageRunDirectory(ref: string): Promise<string> {
    this.#check();
    return (await this.#rwImages.storeFor(ref)).imageRunDir(ref);
  }

  /**
   * Size of an image: every layer in the chains of its top and mapped top layers, each once
   * (recorded size, or the driver's count), plus its big-data items.
   */
  async imageSize(ref: string): Promise<number> {
    await this.#fresh();
    const { image } = await this.#findImage(ref);
    const seen = new Set<string>();
    let size = 0;
    for (const top of [image.topLayer, ...image.mappedTopLayers]) {
      let id = top;
      while (id !== '' && !seen.has(id)) {
        seen.add(id);
        const { store, layer } = await this.#findLayer(id);
        size += layer.uncompressedDigest !== '' ? layer.uncompressedSize : await store.diffSize(null, layer.id);
        id = layer.parent;
      }
    }
    for (const key of image.bigDataNames) size += image.bigDataSizes[key] ?? 0;
    return size;
  }

  // ---- containers ---------------------------------------------------------------------------

  async #maybeContainer(ref: string): Promise<Container | null> {
    try {
      return await this.containers.get(ref);
    } catch (err) {
      if (err instanceof ContainerUnknownError || (err as { code?: string }).code === 'ERR_AMBIGUOUS_ID') return null;
      throw err;
    }
  }

  /**
   * create-container: a new read-write layer on the image's top layer ('' or absent: no image,
   * an empty base layer), then the record. Lock order layers (W) → images (W) → containers (W);
   * if the record cannot be written, the layer goes again.
   */
  async createContainer(opts: Omit<CreateContainerOptions, 'layer'> & { mountLabel?: string; volatile?: boolean } = {}): Promise<Container> {
    const layers = await this.layerStore();
    return layers.withWriteLock(() =>
      this.#rwImages.write(async (imagesView) => {
        let imageID = '';
        let topLayer = '';
        if (opts.image) {
          // The image store's lock is ours already: look it up through the view, not a new lock.
          let image: Image;
          if (imagesView.exists(opts.image)) image = imagesView.get(opts.image);
          else {
            const found = await this.#findReadOnlyImage(opts.image);
            image = found;
          }
          imageID = image.id;
          topLayer = image.topLayer;
        }
        const uidMap = opts.uidMap ?? this.options.uidMap;
        const gidMap = opts.gidMap ?? this.options.gidMap;
        if (topLayer !== '' && imagesView.exists(imageID)) {
          topLayer = await this.#topLayerForMapping(layers, imagesView, imageID, topLayer, uidMap, gidMap);
        }
        return this.containers.write(async (containers) => {
          // Checked before the layer exists, so a clash leaves nothing behind.
          if (opts.id && containers.list().some((c) => c.id === opts.id)) throw new DuplicateIDError('container', opts.id);
          for (const name of opts.names ?? []) {
            const owner = containers.list().find((c) => c.names.includes(name));
            if (owner) throw new ContainerNameInUseError(name, owner.id);
          }
          // HEAD: in transient mode container layers are volatile too (volatile-layers.json in the run root).
          const volatileFile = opts.volatileFile ?? this.options.transientStore;
          const layer = await layers.create({
            parent: topLayer || undefined,
            writeable: true,
            mountLabel: opts.mountLabel,
            uidMap,
            gidMap,
            volatile: volatileFile,
          });
          const flags: Record<string, GenericValue> = { MountLabel: opts.mountLabel ?? '', ProcessLabel: '', ...(opts.flags ?? {}) };
          if (opts.volatile) flags['Volatile'] = true;
          try {
            return await containers.create({
              ...opts,
              image: imageID,
              layer: layer.id,
              uidMap,
              gidMap,
              flags,
              volatileFile,
            });
          } catch (err) {
            await layers.delete(layer.id).catch(() => {});
            throw err;
          }
        });
      }),
    );
  }

  /**
   * The image's top layer, or a copy of it with the container's ID maps (upstream
   * imageTopLayerForMapping): reused from the image's mapped top layers when one matches, else
   * made from the top layer's diff on the same parent, with its digests, and recorded in the
   * image's `mapped-layers`. Runs with the layer and image write locks held.
   */
  async #topLayerForMapping(layers: LayerStore, images: ImagesWriter, imageID: string, topLayer: string, uidMap: IDMap[], gidMap: IDMap[]): Promise<string> {
    const same = (a: IDMap[], b: IDMap[]): boolean => JSON.stringify(a) === JSON.stringify(b);
    const top = await layers.get(topLayer);
    if (same(top.uidMap, uidMap) && same(top.gidMap, gidMap)) return top.id;
    for (const id of images.get(imageID).mappedTopLayers) {
      const mapped = await layers.get(id).catch(() => null);
      if (mapped && same(mapped.uidMap, uidMap) && same(mapped.gidMap, gidMap)) return mapped.id;
    }
    const diff = await layers.diff(null, top.id, { compression: 'none' });
    const { layer } = await layers.put(
      {
        parent: top.parent || undefined,
        mountLabel: top.mountLabel || undefined,
        uidMap,
        gidMap,
        compressedDigest: top.compressedDigest || undefined,
        compressedSize: top.compressedDigest ? top.compressedSize : undefined,
        uncompressedDigest: top.uncompressedDigest || undefined,
        uncompressedSize: top.uncompressedDigest ? top.uncompressedSize : undefined,
      },
      diff,
    );
    await images.addMappedTopLayer(imageID, layer.id);
    return layer.id;
  }

  async listContainers(): Promise<Container[]> {
    this.#check();
    return this.containers.list();
  }

  async container(ref: string): Promise<Container> {
    this.#check();
    return this.containers.get(ref);
  }

  async setContainerBigData(ref: string, key: string, data: Uint8Array | string): Promise<void> {
    this.#check();
    await this.containers.setBigData(ref, key, data);
  }

  async containerBigData(ref: string, key: string): Promise<Buffer> {
    this.#check();
    return this.containers.bigData(ref, key);
  }

  async containerBigDataSize(ref: string, key: string): Promise<number> {
    this.#check();
    return this.containers.bigDataSize(ref, key);
  }

  async containerBigDataDigest(ref: string, key: string): Promise<string> {
    this.#check();
    return this.containers.bigDataDigest(ref, key);
  }

  async containerBigDataNames(ref: string): Promise<string[]> {
    this.#check();
    return this.containers.bigDataNames(ref);
  }

  /** `<graphroot>/<driver>-containers/<ID>/userdata`, created (0700). */
  async containerDirectory(ref: string): Promise<string> {
    this.#check();
    return this.containers.containerDir(ref);
  }

  /** `<runroot>/<driver>-containers/<ID>/userdata`, created (0700). */
  async containerRunDirectory(ref: string): Promise<string> {
    this.#check();
    return this.containers.containerRunDir(ref);
  }

  /** Size of the container layer's changes + its big data + the files in its two userdata dirs. */
  async containerSize(ref: string): Promise<number> {
    const layers = await this.layerStore();
    const ctr = await this.containers.get(ref);
    let size = ctr.layer === '' ? 0 : await layers.diffSize(null, ctr.layer);
    for (const key of ctr.bigDataNames) size += ctr.bigDataSizes[key] ?? 0;
    for (const dir of [await this.containers.containerDir(ctr.id), await this.containers.containerRunDir(ctr.id)]) size += await treeFileSize(dir);
    return size;
  }

  async containerParentOwners(ref: string): Promise<ParentOwners> {
    const layers = await this.layerStore();
    const ctr = await this.containers.get(ref);
    return parentOwners(await layers.get(ctr.layer));
  }

  /** delete-container: its layer, its record and both userdata parents. Lock order layers → images → containers. */
  async deleteContainer(ref: string): Promise<void> {
    const layers = await this.layerStore();
    await layers.withWriteLock(() =>
      this.#rwImages.write(() =>
        this.containers.write(async (containers) => {
          let ctr: Container;
          try {
            ctr = containers.get(ref);
          } catch (err) {
            if (err instanceof ContainerUnknownError) throw new NotFoundError(ref, 'container');
            throw err;
          }
          if (ctr.layer !== '' && (await layers.exists(ctr.layer))) await layers.delete(ctr.layer);
          await containers.delete(ctr.id);
        }),
      ),
    );
  }

  // ---- images: deletion ---------------------------------------------------------------------

  /**
   * delete-image: refused while a container uses the image. With `commit` (default) the image
   * goes and so do the layers that become unused: its mapped top layers, then the top layer and
   * its parents, stopping at a layer a container or another image uses or that has other
   * children. `commit: false` (delete-image -t) only computes the list. Returns the layer IDs.
   */
  async deleteImage(ref: string, commit = true): Promise<string[]> {
    const layers = await this.layerStore();
    return layers.withWriteLock(() =>
      this.#rwImages.write(async (images) =>
        this.containers.write(async (containers) => {
          let image: Image;
          try {
            image = images.get(ref);
          } catch (err) {
            if (err instanceof ImageUnknownError) throw new NotFoundError(ref, 'image');
            throw err;
          }
          const user = containers.list().find((c) => c.image === image.id);
          if (user) throw new ImageInUseError(user.id);
          const doomed = planImageDeletion(image, await layers.layers(), images.list(), containers.list());
          if (!commit) return doomed;
          await images.delete(image.id);
          for (const l of doomed) await layers.delete(l);
          return doomed;
        }),
      ),
    );
  }

  // ---- generic: names, metadata, existence, unchecked delete ------------------------------------

  /** Which kind a reference names, searched layers → images → containers; null when none. */
  async lookupKind(ref: string): Promise<{ kind: ItemKind; id: string } | null> {
    await this.#fresh();
    try {
      return { kind: 'layer', id: (await this.#findLayer(ref)).layer.id };
    } catch (err) {
      if (!(err instanceof LayerUnknownError)) throw err;
    }
    try {
      return { kind: 'image', id: (await this.#findImage(ref)).image.id };
    } catch (err) {
      if (!(err instanceof ImageUnknownError)) throw err;
    }
    const ctr = await this.#maybeContainer(ref);
    return ctr ? { kind: 'container', id: ctr.id } : null;
  }

  /** exists: is the reference a layer, an image or a container. */
  async exists(ref: string): Promise<boolean> {
    return (await this.lookupKind(ref)) !== null;
  }

  async #require(ref: string): Promise<{ kind: ItemKind; id: string }> {
    const found = await this.lookupKind(ref);
    if (found === null) throw new LayerUnknownError(ref);
    return found;
  }

  async names(ref: string): Promise<string[]> {
    const { kind, id } = await this.#require(ref);
    if (kind === 'layer') return (await this.#findLayer(id)).layer.names;
    if (kind === 'image') return (await this.#findImage(id)).image.names;
    return (await this.containers.get(id)).names;
  }

  /** Replaces the names; a name another item of the same kind has moves to this one. */
  setNames(ref: string, names: string[]): Promise<string[]> {
    return this.#updateNames(ref, 'set', names);
  }

  /** Adds names (new ones first, as HEAD). */
  addNames(ref: string, names: string[]): Promise<string[]> {
    return this.#updateNames(ref, 'add', names);
  }

  removeNames(ref: string, names: string[]): Promise<string[]> {
    return this.#updateNames(ref, 'remove', names);
  }

  async #updateNames(ref: string, op: 'set' | 'add' | 'remove', names: string[]): Promise<string[]> {
    const { kind, id } = await this.#require(ref);
    const unique = [...new Set(names)];
    if (kind === 'layer') {
      const layers = this.#parts.layers;
      if (!(await layers.exists(id))) throw new ReadOnlyStoreError('changing names of a layer in a read-only store');
      if (op === 'add') {
        const old = (await layers.get(id)).names;
        return (await layers.setNames(id, [...new Set([...unique, ...old])])).names;
      }
      return (op === 'set' ? await layers.setNames(id, unique) : await layers.removeNames(id, unique)).names;
    }
    if (kind === 'image') {
      const images = await this.#rwImages.storeOf(id);
      if (images === undefined) throw new ReadOnlyStoreError('changing names of an image in a read-only store');
      const img = op === 'set' ? await images.setNames(id, unique) : op === 'add' ? await images.addNames(id, unique) : await images.removeNames(id, unique);
      return img.names;
    }
    if (op === 'add') {
      const old = (await this.containers.get(id)).names;
      return (await this.containers.setNames(id, [...new Set([...unique, ...old])])).names;
    }
    const ctr = op === 'set' ? await this.containers.setNames(id, unique) : await this.containers.removeNames(id, unique);
    return ctr.names;
  }

  async metadata(ref: string): Promise<string> {
    const { kind, id } = await this.#require(ref);
    if (kind === 'layer') return (await this.#findLayer(id)).layer.metadata;
    if (kind === 'image') return (await this.#findImage(id)).image.metadata;
    return (await this.containers.get(id)).metadata;
  }

  async setMetadata(ref: string, metadata: string): Promise<void> {
    const found = await this.lookupKind(ref);
    if (found === null) throw new NotFoundError(ref, 'any');
    if (found.kind === 'layer') await this.#parts.layers.setMetadata(found.id, metadata);
    else if (found.kind === 'image') await (await this.#rwImages.storeFor(found.id)).setMetadata(found.id, metadata);
    else await this.containers.setMetadata(found.id, metadata);
  }

  /**
   * `delete` without safety checks: a container (its layer, record and directories), else an
   * image record only, else a read-write layer (children, images and containers not checked).
   */
  async delete(ref: string): Promise<void> {
    const layers = await this.layerStore();
    await layers.withWriteLock(() =>
      this.#rwImages.write((images) =>
        this.containers.write(async (containers) => {
          if (containers.exists(ref)) {
            const ctr = containers.get(ref);
            if (ctr.layer !== '' && !(await layers.exists(ctr.layer))) throw new NotFoundError(ctr.layer, 'layer');
            if (ctr.layer !== '') await layers.delete(ctr.layer, { ignoreChildren: true });
            await containers.delete(ctr.id);
            return;
          }
          if (images.exists(ref)) {
            await images.delete(images.lookup(ref));
            return;
          }
          if (await layers.exists(ref)) {
            await layers.delete(ref, { ignoreChildren: true });
            return;
          }
          throw new LayerUnknownError(ref);
        }),
      ),
    );
  }

  /** Deletes every container, image and layer of the read-write stores (layers newest first). */
  async wipe(): Promise<void> {
    const layers = await this.layerStore();
    await layers.withWriteLock(() =>
      this.#rwImages.write((images) =>
        this.containers.write(async (containers) => {
          for (const c of containers.list()) {
            if (c.layer !== '' && (await layers.exists(c.layer))) await layers.delete(c.layer, { ignoreChildren: true });
            await containers.delete(c.id);
          }
          await images.wipe();
          await layers.wipe();
        }),
      ),
    );
  }
}

