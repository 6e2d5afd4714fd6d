import type { Image, ImageStore, ImageWriter } from '@cs/images';
import { ImageUnknownError } from '@cs/images';

/** What the Store does with every writable image store at once (the composite of their views). */
export interface ImagesWriter {
  list(): Image[];
  exists(ref: string): boolean;
  get(ref: string): Image;
  lookup(ref: string): string;
  /** The view of the store holding `ref`. */
  owner(ref: string): ImageWriter;
  delete(ref: string): Promise<void>;
  addMappedTopLayer(ref: string, layerID: string): Promise<void>;
  removeMappedTopLayer(ref: string, layerID: string): Promise<void>;
  wipe(): Promise<void>;
}

/**
 * The writable image stores of a Store: the primary one (new images go there) and, with HEAD's
 * split image store (`imagestore`), the graph root's `$DRV-images`, which HEAD keeps writable
 * (its images can be renamed, deleted, used by containers). Write locks are taken primary first,
 * then the graph root's (on-disk.md §3.3: primary images.lock, then the others').
 */
export class ImageStores {
  constructor(readonly all: readonly ImageStore[]) {}

  get primary(): ImageStore {
    return this.all[0]!;
  }

  /** The writable store holding `ref` (first match), or undefined. */
  async storeOf(ref: string): Promise<ImageStore | undefined> {
    for (const s of this.all) if (await s.exists(ref)) return s;
    return undefined;
  }

  /** The store holding `ref`, else the primary one (whose lookup then reports the error). */
  async storeFor(ref: string): Promise<ImageStore> {
    return (await this.storeOf(ref)) ?? this.primary;
  }

  write<T>(fn: (images: ImagesWriter) => Promise<T>): Promise<T> {
    const step = (i: number, views: ImageWriter[]): Promise<T> =>
      i === this.all.length ? fn(new CompositeWriter(views)) : this.all[i]!.write((v) => step(i + 1, [...views, v]));
    return step(0, []);
  }

  async close(): Promise<void> {
    for (const s of this.all) await s.close();
  }
}

class CompositeWriter implements ImagesWriter {
  constructor(private readonly views: readonly ImageWriter[]) {}

  list(): Image[] {
    const seen = new Set<string>();
    const out: Image[] = [];
    for (const v of this.views) for (const img of v.list()) if (!seen.has(img.id)) (seen.add(img.id), out.push(img));
    return out;
  }

  exists(ref: string): boolean {
    return this.views.some((v) => v.exists(ref));
  }

  owner(ref: string): ImageWriter {
    const v = this.views.find((x) => x.exists(ref));
    if (v === undefined) {
      this.views[0]!.get(ref); // the primary store's own error (unknown or ambiguous)
      throw new ImageUnknownError(ref);
    }
    return v;
  }

  get(ref: string): Image {
    return this.owner(ref).get(ref);
  }

  lookup(ref: string): string {
    return this.owner(ref).lookup(ref);
  }

  delete(ref: string): Promise<void> {
    return this.owner(ref).delete(ref);
  }

  addMappedTopLayer(ref: string, layerID: string): Promise<void> {
    return this.owner(ref).addMappedTopLayer(ref, layerID);
  }

  removeMappedTopLayer(ref: string, layerID: string): Promise<void> {
    return this.owner(ref).removeMappedTopLayer(ref, layerID);
  }

  async wipe(): Promise<void> {
    for (const v of this.views) await v.wipe();
  }
}
