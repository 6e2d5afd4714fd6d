import { RecordIndex } from '@cs/records';
import type { ContainerRecord } from './container-record.js';

/** The container lookup tables: those of every record store plus containers by layer ID. */
export class ContainerIndex extends RecordIndex<ContainerRecord> {
  readonly byLayer = new Map<string, ContainerRecord>();

  constructor(records: ContainerRecord[]) {
    super(records);
    for (const rec of records) this.#addLayer(rec);
  }

  override add(rec: ContainerRecord): void {
    super.add(rec);
    this.#addLayer(rec);
  }

  override remove(rec: ContainerRecord): void {
    super.remove(rec);
    if (this.byLayer.get(rec.layer) === rec) this.byLayer.delete(rec.layer);
  }

  /** Go's order: exact ID, exact name, the container's layer ID (then a unique ID prefix). */
  protected override lookupExact(ref: string): ContainerRecord | undefined {
    return super.lookupExact(ref) ?? this.byLayer.get(ref);
  }

  #addLayer(rec: ContainerRecord): void {
    if (rec.layer !== '') this.byLayer.set(rec.layer, rec);
  }
}
