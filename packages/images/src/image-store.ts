import { promises as fs } from 'node:fs';
import path from 'node:path';
import { digestOf, generateID, isValidDigest } from '@cs/ids';
import {
  BigDataUnknownError,
  CorruptFileError,
  DigestUnknownError,
  DuplicateIDError,
  DuplicateNameError,
  GoTime,
  GuardedFiles,
  ReadOnlyStoreError,
  RecordsError,
  SizeUnknownError,
  assertStorableID,
  writeBigDataFile,
  dedupeNames as dedupe,
  bigDataFileName,
  bigDataPath,
  readRecordArray,
  writeRecordArray,
  type GenericValue,
} from '@cs/records';
import { ImageUnknownError, InvalidImageDigestError } from './errors.js';
import { ImageIndex } from './image-index.js';
import {
  decodeImage,
  encodeImage,
  isManifestKey,
  publicImage,
  recomputeDigests,
  type Image,
  type ImageRecord,
} from './image-record.js';

export interface ImageStoreOptions {
  /** Additional image stores: read lock only, no writes, records marked `readOnly`. */
  readOnly?: boolean;
  /** `$RUNROOT/$DRV-images`, for imageRunDir() and removal of run directories. */
  runDir?: string;
}

export interface CreateImageOptions {
  /** Defaults to a fresh random 64-hex ID. */
  id?: string;
  names?: string[];
  /** Top layer ID; '' or absent for an image without layers. */
  topLayer?: string;
  metadata?: string;
  /** Defaults to now (UTC). */
  created?: GoTime | Date;
  /** The fixed "searchable" digest. */
  digest?: string;
  namesHistory?: string[];
  flags?: Record<string, GenericValue>;
}

export interface SetBigDataOptions {
  /**
   * Digest of a `manifest*` item. Real image tools compute a manifest digest with manifest
   * rules (signatures stripped); the default is SHA-256 of the bytes, as the Go CLI does.
   */
  digestManifest?: (data: Uint8Array) => string | Promise<string>;
}

const FILE = 'images.json';
const LOCK = 'images.lock';

/**
 * The image store: `images.json` and per-image big data in one directory
 * (`$GRAPHROOT/$DRV-images`), guarded by `images.lock`. Each method takes the lock itself
 * (read for lookups, write for changes); `read(fn)` / `write(fn)` run several steps under one
 * lock. Cross-store rules (layers exist, images in use by containers) belong to the Store.
 */
export class ImageStore {
  private index = new ImageIndex([]);
  private repairPending = false;

  private constructor(
    readonly dir: string,
    readonly options: ImageStoreOptions,
    private readonly guard: GuardedFiles,
  ) {}

  static async open(dir: string, options: ImageStoreOptions = {}): Promise<ImageStore> {
    const absolute = path.resolve(dir);
    if (!options.readOnly) await fs.mkdir(absolute, { recursive: true, mode: 0o700 });
    let store: ImageStore | undefined;
    const guard = await GuardedFiles.open({
      lockPath: path.join(absolute, LOCK),
      readOnly: options.readOnly,
      load: () => store!.load(),
    });
    store = new ImageStore(absolute, options, guard);
    return store;
  }

  get readOnly(): boolean {
    return this.options.readOnly ?? false;
  }

  /** Path of images.json. */
  get file(): string {
    return path.join(this.dir, FILE);
  }

  async close(): Promise<void> {
    await this.guard.close();
  }

  /** Run `fn` under the read lock; `fn` gets a view valid until it returns. */
  read<R>(fn: (images: ImageReader) => R | Promise<R>): Promise<R> {
    return this.guard.read(() => this.runView(fn));
  }

  /** Run `fn` under the write lock; `fn` gets a view valid until it returns. */
  write<R>(fn: (images: ImageWriter) => R | Promise<R>): Promise<R> {
    return this.guard.write('image store', async () => {
      if (this.repairPending) await this.save();
      return this.runView(fn);
    });
  }

  // One-call conveniences, each under its own lock.
  list(): Promise<Image[]> { return this.read((t) => t.list()); }
  get(ref: string): Promise<Image> { return this.read((t) => t.get(ref)); }
  exists(ref: string): Promise<boolean> { return this.read((t) => t.exists(ref)); }
  lookup(ref: string): Promise<string> { return this.read((t) => t.lookup(ref)); }
  byDigest(digest: string): Promise<Image[]> { return this.read((t) => t.byDigest(digest)); }
  byTopLayer(layerID: string): Promise<Image[]> { return this.read((t) => t.byTopLayer(layerID)); }
  bigData(ref: string, key: string): Promise<Buffer> { return this.read((t) => t.bigData(ref, key)); }
  bigDataSize(ref: string, key: string): Promise<number> { return this.read((t) => t.bigDataSize(ref, key)); }
  bigDataDigest(ref: string, key: string): Promise<string> { return this.read((t) => t.bigDataDigest(ref, key)); }
  bigDataNames(ref: string): Promise<string[]> { return this.read((t) => t.bigDataNames(ref)); }
  imageDir(ref: string): Promise<string> { return this.read((t) => t.imageDir(ref)); }
  imageRunDir(ref: string): Promise<string> { return this.read((t) => t.imageRunDir(ref)); }
  create(opts: CreateImageOptions = {}): Promise<Image> { return this.write((t) => t.create(opts)); }
  delete(ref: string): Promise<void> { return this.write((t) => t.delete(ref)); }
  setNames(ref: string, names: string[]): Promise<Image> { return this.write((t) => t.setNames(ref, names)); }
  addNames(ref: string, names: string[]): Promise<Image> { return this.write((t) => t.addNames(ref, names)); }
  removeNames(ref: string, names: string[]): Promise<Image> { return this.write((t) => t.removeNames(ref, names)); }
  setMetadata(ref: string, metadata: string): Promise<void> { return this.write((t) => t.setMetadata(ref, metadata)); }
  setFlag(ref: string, flag: string, value: GenericValue): Promise<void> { return this.write((t) => t.setFlag(ref, flag, value)); }
  clearFlag(ref: string, flag: string): Promise<void> { return this.write((t) => t.clearFlag(ref, flag)); }
  addMappedTopLayer(ref: string, layerID: string): Promise<void> { return this.write((t) => t.addMappedTopLayer(ref, layerID)); }
  removeMappedTopLayer(ref: string, layerID: string): Promise<void> { return this.write((t) => t.removeMappedTopLayer(ref, layerID)); }
  setBigData(ref: string, key: string, data: Uint8Array | string, opts?: SetBigDataOptions): Promise<void> {
    return this.write((t) => t.setBigData(ref, key, data, opts));
  }
  wipe(): Promise<void> { return this.write((t) => t.wipe()); }

  private async runView<R>(fn: (view: ImageView) => R | Promise<R>): Promise<R> {
    const view = new ImageView(this);
    try {
      return await fn(view);
    } finally {
      view.close();
    }
  }

  // ---- internals used by ImageView (the lock is held) ----

  /** @internal */ get records(): ImageRecord[] { return this.index.records; }
  /** @internal */ get idx(): ImageIndex { return this.index; }

  /** @internal */
  find(ref: string): ImageRecord {
    const rec = this.index.lookup(ref);
    if (!rec) throw new ImageUnknownError(ref);
    return rec;
  }

  /** @internal */
  objectDir(id: string): string {
    return path.join(this.dir, id);
  }

  /** @internal Token first, then images.json. */
  async save(): Promise<void> {
    if (this.readOnly) throw new ReadOnlyStoreError('saving images');
    await this.guard.commit(async () => {
      await writeRecordArray(this.file, this.index.records, encodeImage);
      return [this.file];
    });
    this.repairPending = false;
  }

  private async load(): Promise<void> {
    const records = await readRecordArray(this.file, decodeImage);
    const seen = new Set<string>();
    const owner = new Map<string, ImageRecord>();
    let repaired = false;
    for (const rec of records) {
      if (seen.has(rec.id)) throw new CorruptFileError(this.file, `image ID ${JSON.stringify(rec.id)} appears twice`);
      seen.add(rec.id);
      rec.readOnly = this.readOnly;
      try {
        recomputeDigests(rec);
      } catch (err) {
        if (err instanceof RecordsError) {
          throw new CorruptFileError(this.file, `computing digests for image with ID ${JSON.stringify(rec.id)}: ${err.message}`, { cause: err });
        }
        throw err;
      }
      // Same name on two records: the earlier record loses it, as in Go.
      for (const name of rec.names) {
        const earlier = owner.get(name);
        if (earlier && earlier !== rec) {
          earlier.names = earlier.names.filter((n) => n !== name);
          repaired = true;
        }
        owner.set(name, rec);
      }
    }
    this.index = new ImageIndex(records);
    // Persisted by the next write (a reader cannot save; it serves the repaired view).
    this.repairPending = repaired && !this.readOnly;
  }
}

/** Lookups available under the read lock. */
export interface ImageReader {
  list(): Image[];
  get(ref: string): Image;
  exists(ref: string): boolean;
  lookup(ref: string): string;
  byDigest(digest: string): Image[];
  byTopLayer(layerID: string): Image[];
  bigData(ref: string, key: string): Promise<Buffer>;
  bigDataSize(ref: string, key: string): Promise<number>;
  bigDataDigest(ref: string, key: string): string;
  bigDataNames(ref: string): string[];
  imageDir(ref: string): Promise<string>;
  imageRunDir(ref: string): Promise<string>;
}

/** Changes, available under the write lock (every change is saved before it returns). */
export interface ImageWriter extends ImageReader {
  create(opts?: CreateImageOptions): Promise<Image>;
  delete(ref: string): Promise<void>;
  setNames(ref: string, names: string[]): Promise<Image>;
  addNames(ref: string, names: string[]): Promise<Image>;
  removeNames(ref: string, names: string[]): Promise<Image>;
  setMetadata(ref: string, metadata: string): Promise<void>;
  setFlag(ref: string, flag: string, value: GenericValue): Promise<void>;
  clearFlag(ref: string, flag: string): Promise<void>;
  addMappedTopLayer(ref: string, layerID: string): Promise<void>;
  removeMappedTopLayer(ref: string, layerID: string): Promise<void>;
  setBigData(ref: string, key: string, data: Uint8Array | string, opts?: SetBigDataOptions): Promise<void>;
  wipe(): Promise<void>;
}

class ImageView implements ImageWriter {
  #open = true;
  constructor(private readonly store: ImageStore) {}

  close(): void {
    this.#open = false;
  }

  private s(): ImageStore {
    if (!this.#open) throw new RecordsError('ERR_VIEW_CLOSED', 'image store view used after its lock was released');
    return this.store;
  }

  list(): Image[] {
    return this.s().records.map(publicImage);
  }

  get(ref: string): Image {
    return publicImage(this.s().find(ref));
  }

  exists(ref: string): boolean {
    try {
      return this.s().idx.lookup(ref) !== undefined;
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_AMBIGUOUS_ID') return false;
      throw err;
    }
  }

  lookup(ref: string): string {
    return this.s().find(ref).id;
  }

  byDigest(digest: string): Image[] {
    return (this.s().idx.byDigest.get(digest) ?? []).map(publicImage);
  }

  byTopLayer(layerID: string): Image[] {
    return this.s()
      .records.filter((r) => r.topLayer === layerID || r.mappedTopLayers.includes(layerID))
      .map(publicImage);
  }

  async bigData(ref: string, key: string): Promise<Buffer> {
    const store = this.s();
    const rec = store.find(ref);
    const file = bigDataPath(store.objectDir(rec.id), key);
    try {
      return await fs.readFile(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BigDataUnknownError('image', rec.id, key, file);
      throw err;
    }
  }

  async bigDataSize(ref: string, key: string): Promise<number> {
    const rec = this.s().find(ref);
    bigDataPath('', key); // validates the key
    const size = rec.bigDataSizes[key];
    if (size !== undefined && Object.hasOwn(rec.bigDataSizes, key)) return size;
    try {
      return (await this.bigData(ref, key)).length;
    } catch (err) {
      if (err instanceof BigDataUnknownError) throw new SizeUnknownError(key);
      throw err;
    }
  }

  bigDataDigest(ref: string, key: string): string {
    const rec = this.s().find(ref);
    bigDataPath('', key);
    if (!Object.hasOwn(rec.bigDataDigests, key)) throw new DigestUnknownError(key);
    return rec.bigDataDigests[key]!;
  }

  bigDataNames(ref: string): string[] {
    return [...this.s().find(ref).bigDataNames];
  }

  async imageDir(ref: string): Promise<string> {
    const store = this.s();
    if (store.readOnly) throw new ReadOnlyStoreError('creating an image directory');
    const dir = path.join(store.objectDir(store.find(ref).id), 'userdata');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async imageRunDir(ref: string): Promise<string> {
    const store = this.s();
    if (store.options.runDir === undefined) throw new RecordsError('ERR_NO_RUN_DIR', 'the image store was opened without a run directory');
    const dir = path.join(path.resolve(store.options.runDir), store.find(ref).id, 'userdata');
    await fs.mkdir(dir, { recursive: true, mode: 0o700 });
    return dir;
  }

  async create(opts: CreateImageOptions = {}): Promise<Image> {
    const store = this.s();
    const idx = store.idx;
    let id = opts.id ?? '';
    if (id === '') {
      do id = generateID();
      while (idx.byID.has(id));
    }
    assertStorableID(id);
    if (idx.byID.has(id)) throw new DuplicateIDError('image', id);
    const names = dedupe(opts.names ?? []);
    for (const name of names) {
      const owner = idx.byName.get(name);
      if (owner) throw new DuplicateNameError('image', name, owner.id);
    }
    const digest = opts.digest ?? '';
    if (digest !== '' && !isValidDigest(digest)) {
      throw new InvalidImageDigestError(`validating digests for new image: validating image digest ${JSON.stringify(digest)}: invalid checksum digest format`);
    }
    const created = opts.created === undefined ? GoTime.now() : opts.created instanceof GoTime ? opts.created : GoTime.fromDate(opts.created);
    const rec: ImageRecord = {
      id,
      digest,
      digests: [],
      names,
      namesHistory: dedupe(opts.namesHistory ?? []),
      topLayer: opts.topLayer ?? '',
      mappedTopLayers: [],
      metadata: opts.metadata ?? '',
      bigDataNames: [],
      bigDataSizes: Object.create(null) as Record<string, number>,
      bigDataDigests: Object.create(null) as Record<string, string>,
      created: created.isZero() ? GoTime.now() : created,
      flags: Object.assign(Object.create(null) as Record<string, GenericValue>, structuredClone(opts.flags ?? {})),
      readOnly: false,
      extra: [],
    };
    recomputeDigests(rec);
    store.records.push(rec);
    idx.addID(rec);
    for (const name of names) idx.byName.set(name, rec);
    idx.addDigests(rec);
    await store.save();
    return publicImage(rec);
  }

  async delete(ref: string): Promise<void> {
    const store = this.s();
    const rec = store.find(ref);
    const idx = store.idx;
    idx.removeID(rec);
    for (const name of rec.names) if (idx.byName.get(name) === rec) idx.byName.delete(name);
    idx.removeDigests(rec);
    store.records.splice(store.records.indexOf(rec), 1);
    await store.save();
    await fs.rm(store.objectDir(rec.id), { recursive: true, force: true });
    if (store.options.runDir !== undefined) {
      await fs.rm(path.join(path.resolve(store.options.runDir), rec.id), { recursive: true, force: true });
    }
  }

  setNames(ref: string, names: string[]): Promise<Image> {
    return this.updateNames(ref, () => dedupe(names));
  }

  /** New names first, then the old ones (HEAD's order). */
  addNames(ref: string, names: string[]): Promise<Image> {
    return this.updateNames(ref, (old) => dedupe([...names, ...old]));
  }

  removeNames(ref: string, names: string[]): Promise<Image> {
    return this.updateNames(ref, (old) => old.filter((n) => !names.includes(n)));
  }

  private async updateNames(ref: string, compute: (old: string[]) => string[]): Promise<Image> {
    const store = this.s();
    const rec = store.find(ref);
    const idx = store.idx;
    const next = compute(rec.names);
    for (const name of rec.names) if (idx.byName.get(name) === rec) idx.byName.delete(name);
    for (const name of next) {
      const other = idx.byName.get(name);
      if (other && other !== rec) other.names = other.names.filter((n) => n !== name); // the name moves
      idx.byName.set(name, rec);
      rec.namesHistory = dedupe([name, ...rec.namesHistory]);
    }
    rec.names = next;
    await store.save();
    return publicImage(rec);
  }

  async setMetadata(ref: string, metadata: string): Promise<void> {
    const store = this.s();
    store.find(ref).metadata = metadata;
    await store.save();
  }

  async setFlag(ref: string, flag: string, value: GenericValue): Promise<void> {
    const store = this.s();
    store.find(ref).flags[flag] = structuredClone(value);
    await store.save();
  }

  async clearFlag(ref: string, flag: string): Promise<void> {
    const store = this.s();
    delete store.find(ref).flags[flag];
    await store.save();
  }

  async addMappedTopLayer(ref: string, layerID: string): Promise<void> {
    const store = this.s();
    const rec = store.find(ref);
    if (!rec.mappedTopLayers.includes(layerID)) rec.mappedTopLayers.push(layerID);
    await store.save();
  }

  async removeMappedTopLayer(ref: string, layerID: string): Promise<void> {
    const store = this.s();
    const rec = store.find(ref);
    rec.mappedTopLayers = rec.mappedTopLayers.filter((l) => l !== layerID);
    await store.save();
  }

  async setBigData(ref: string, key: string, data: Uint8Array | string, opts: SetBigDataOptions = {}): Promise<void> {
    bigDataFileName(key, "can't set empty name for image big data item"); // Go checks the key before the image
    const store = this.s();
    const rec = store.find(ref);
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
    const digest = isManifestKey(key) ? await (opts.digestManifest ?? sha256)(bytes) : sha256(bytes);
    if (!isValidDigest(digest)) {
      throw new InvalidImageDigestError(`digesting manifest: ${JSON.stringify(digest)} is not a valid digest`);
    }
    await writeBigDataFile(store.objectDir(rec.id), key, bytes);
    const changed =
      rec.bigDataSizes[key] !== bytes.length || rec.bigDataDigests[key] !== digest || !rec.bigDataNames.includes(key);
    rec.bigDataSizes[key] = bytes.length;
    rec.bigDataDigests[key] = digest;
    if (!rec.bigDataNames.includes(key)) rec.bigDataNames.push(key);
    const hadDigest = rec.digest;
    store.idx.removeDigests(rec);
    recomputeDigests(rec);
    store.idx.addDigests(rec);
    if (changed || hadDigest !== rec.digest) await store.save();
  }

  async wipe(): Promise<void> {
    for (const rec of [...this.s().records]) await this.delete(rec.id);
  }
}

function sha256(data: Uint8Array): string {
  return digestOf(data);
}
