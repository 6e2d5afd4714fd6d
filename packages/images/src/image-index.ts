import { RecordIndex } from '@cs/records';
import type { ImageRecord } from './image-record.js';

/** The image lookup tables: those of every record store plus images by digest. */
export class ImageIndex extends RecordIndex<ImageRecord> {
  readonly byDigest = new Map<string, ImageRecord[]>();

  constructor(records: ImageRecord[]) {
    super(records);
    for (const rec of records) this.addDigests(rec);
  }

  override add(rec: ImageRecord): void {
    super.add(rec);
    this.addDigests(rec);
  }

  override remove(rec: ImageRecord): void {
    super.remove(rec);
    this.removeDigests(rec);
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
}
