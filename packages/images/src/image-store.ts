import { isValidDigest } from '@cs/ids';
import {
  CorruptFileError,
  RecordStore,
  RecordView,
  RecordsError,
  dedupeNames,
  readRecordArray,
  writeRecordArray,
  type NewRecordOptions,
  type RecordReader,
  type RecordStoreOptions,
  type RecordWriter,
} from '@cs/records';
import { ImageUnknownError, InvalidImageDigestError } from './errors.js';
import { ImageIndex } from './image-index.js';
import { decodeImage, encodeImage, isManifestKey, publicImage, recomputeDigests, type Image, type ImageRecord } from './image-record.js';

export interface ImageStoreOptions extends RecordStoreOptions {
  /** Additional image stores: read lock only, no writes, records marked `readOnly`. */
  readOnly?: boolean;
  /** `$RUNROOT/$DRV-images`, for imageRunDir() and removal of run directories. */
  runDir?: string;
}

/** `id`, `names`, `metadata`, `created`, `flags` as for every record; then the image's own. */
export interface CreateImageOptions extends NewRecordOptions {
  /** Top layer ID; '' or absent for an image without layers. */
  topLayer?: string;
  /** The fixed "searchable" digest. */
  digest?: string;
  namesHistory?: string[];
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
export class ImageStore extends RecordStore<ImageRecord, Image, ImageIndex, ImageReader, ImageWriter> {
  private constructor(dir: string, options: ImageStoreOptions) {
    super(dir, options, 'image', FILE, LOCK);
  }

  static open(dir: string, options: ImageStoreOptions = {}): Promise<ImageStore> {
    return new ImageStore(dir, options).init();
  }

  // One-call conveniences beyond those of every record store, each under its own lock.
  byDigest(digest: string): Promise<Image[]> { return this.read((t) => t.byDigest(digest)); }
  byTopLayer(layerID: string): Promise<Image[]> { return this.read((t) => t.byTopLayer(layerID)); }
  imageDir(ref: string): Promise<string> { return this.read((t) => t.imageDir(ref)); }
  imageRunDir(ref: string): Promise<string> { return this.read((t) => t.imageRunDir(ref)); }
  create(opts: CreateImageOptions = {}): Promise<Image> { return this.write((t) => t.create(opts)); }
  addMappedTopLayer(ref: string, layerID: string): Promise<void> { return this.write((t) => t.addMappedTopLayer(ref, layerID)); }
  removeMappedTopLayer(ref: string, layerID: string): Promise<void> { return this.write((t) => t.removeMappedTopLayer(ref, layerID)); }
  override setBigData(ref: string, key: string, data: Uint8Array | string, opts?: SetBigDataOptions): Promise<void> {
    return this.write((t) => t.setBigData(ref, key, data, opts));
  }

  protected newView(): ImageView {
    return new ImageView(this);
  }

  protected unknownError(ref: string): Error {
    return new ImageUnknownError(ref);
  }

  protected newIndex(records: ImageRecord[]): ImageIndex {
    return new ImageIndex(records);
  }

  protected async readRecords(): Promise<ImageRecord[]> {
    const records = await readRecordArray(this.file, decodeImage);
    this.rejectDuplicateIDs(records, this.file);
    for (const rec of records) {
      rec.readOnly = this.readOnly;
      try {
        recomputeDigests(rec);
      } catch (err) {
        if (err instanceof RecordsError) {
          throw new CorruptFileError(this.file, `computing digests for image with ID ${JSON.stringify(rec.id)}: ${err.message}`, { cause: err });
        }
        throw err;
      }
    }
    return records;
  }

  protected async writeFiles(): Promise<readonly string[]> {
    await writeRecordArray(this.file, this.records, encodeImage);
    return [this.file];
  }
}

/** Lookups available under the read lock. */
export interface ImageReader extends RecordReader<Image> {
  byDigest(digest: string): Image[];
  byTopLayer(layerID: string): Image[];
  imageDir(ref: string): Promise<string>;
  imageRunDir(ref: string): Promise<string>;
}

/** Changes, available under the write lock (every change is saved before it returns). */
export interface ImageWriter extends ImageReader, RecordWriter<Image> {
  create(opts?: CreateImageOptions): Promise<Image>;
  addMappedTopLayer(ref: string, layerID: string): Promise<void>;
  removeMappedTopLayer(ref: string, layerID: string): Promise<void>;
  setBigData(ref: string, key: string, data: Uint8Array | string, opts?: SetBigDataOptions): Promise<void>;
}

class ImageView extends RecordView<ImageRecord, Image, ImageIndex> implements ImageWriter {
  protected toPublic(rec: ImageRecord): Image {
    return publicImage(rec);
  }

  byDigest(digest: string): Image[] {
    return (this.s().idx.byDigest.get(digest) ?? []).map(publicImage);
  }

  byTopLayer(layerID: string): Image[] {
    return this.s()
      .records.filter((r) => r.topLayer === layerID || r.mappedTopLayers.includes(layerID))
      .map(publicImage);
  }

  imageDir(ref: string): Promise<string> {
    return this.userDir(ref);
  }

  imageRunDir(ref: string): Promise<string> {
    return this.runUserDir(ref);
  }

  create(opts: CreateImageOptions = {}): Promise<Image> {
    return this.insert(opts, (shared) => {
      const digest = opts.digest ?? '';
      if (digest !== '' && !isValidDigest(digest)) {
        throw new InvalidImageDigestError(`validating digests for new image: validating image digest ${JSON.stringify(digest)}: invalid checksum digest format`);
      }
      const rec: ImageRecord = {
        ...shared,
        digest,
        digests: [],
        namesHistory: dedupeNames(opts.namesHistory ?? []),
        topLayer: opts.topLayer ?? '',
        mappedTopLayers: [],
        readOnly: false,
      };
      recomputeDigests(rec);
      return rec;
    });
  }

  /** Every name an image gets goes first into its history. */
  protected override nameGiven(rec: ImageRecord, name: string): void {
    rec.namesHistory = dedupeNames([name, ...rec.namesHistory]);
  }

  addMappedTopLayer(ref: string, layerID: string): Promise<void> {
    return this.update(ref, (rec) => {
      if (!rec.mappedTopLayers.includes(layerID)) rec.mappedTopLayers.push(layerID);
    });
  }

  removeMappedTopLayer(ref: string, layerID: string): Promise<void> {
    return this.update(ref, (rec) => {
      rec.mappedTopLayers = rec.mappedTopLayers.filter((l) => l !== layerID);
    });
  }

  override setBigData(ref: string, key: string, data: Uint8Array | string, opts: SetBigDataOptions = {}): Promise<void> {
    const custom = isManifestKey(key) ? opts.digestManifest : undefined;
    if (custom === undefined) return this.storeBigData(ref, key, data);
    return this.storeBigData(ref, key, data, async (bytes) => {
      const digest = await custom(bytes);
      if (!isValidDigest(digest)) throw new InvalidImageDigestError(`digesting manifest: ${JSON.stringify(digest)} is not a valid digest`);
      return digest;
    });
  }

  /** A manifest item changes the image's digest list (and maybe its digest). */
  protected override bigDataStored(rec: ImageRecord): boolean {
    const hadDigest = rec.digest;
    const idx = this.s().idx;
    idx.removeDigests(rec);
    recomputeDigests(rec);
    idx.addDigests(rec);
    return hadDigest !== rec.digest;
  }
}
