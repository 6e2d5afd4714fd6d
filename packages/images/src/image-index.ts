import { AmbiguousIDError, TruncIndex } from '@cs/ids';
import type { ImageRecord } from './image-record.js';

/**
 * The in-memory lookup tables over a list of image records: by ID, by name, by digest, and the
 * prefix index for short IDs. Rebuilt on every load; kept in step by the mutating operations.
 */
export class ImageIndex {
  readonly byID = new Map<string, ImageRecord>();
  readonly byName = new Map<string, ImageRecord>();
  readonly byDigest = new Map<string, ImageRecord[]>();
  private prefixes = new TruncIndex();

  constructor(readonly records: ImageRecord[]) {
    for (const rec of records) this.addID(rec);
    for (const rec of records) {
      for (const name of rec.names) this.byName.set(name, rec);
      this.addDigests(rec);
    }
  }

  addID(rec: ImageRecord): void {
    this.byID.set(rec.id, rec);
    try {
      this.prefixes.add(rec.id);
    } catch {
      // IDs with spaces (or empty ones) cannot be prefix-indexed, as upstream
    }
  }

  removeID(rec: ImageRecord): void {
    this.byID.delete(rec.id);
    if (this.prefixes.has(rec.id)) this.prefixes.delete(rec.id);
  }

  addDigests(rec: ImageRecord): void {
    for (const d of rec.digests) {
      const list = this.byDigest.get(d) ?? [];
      if (!list.includes(rec)) list.push(rec);
      this.byDigest.set(d, list);
    }
  }

  removeDigests(rec: ImageRecord): void {
    for (const d of rec.digests) {
      const list = (this.byDigest.get(d) ?? []).filter((r) => r !== rec);
      if (list.length > 0) this.byDigest.set(d, list);
      else this.byDigest.delete(d);
    }
  }

  /**
   * Go's lookup order: exact ID, exact name, unique ID prefix. An ambiguous prefix throws
   * AmbiguousIDError (Go reports it as "not known"); no match returns undefined.
   */
  lookup(ref: string): ImageRecord | undefined {
    const exact = this.byID.get(ref) ?? this.byName.get(ref);
    if (exact) return exact;
    if (ref === '' || ref.includes(' ')) return undefined;
    try {
      return this.byID.get(this.prefixes.get(ref));
    } catch (err) {
      if (err instanceof AmbiguousIDError) throw err;
      return undefined;
    }
  }
}
