import { AmbiguousIDError, TruncIndex } from '@cs/ids';
import type { ContainerRecord } from './container-record.js';

/** Lookup tables over the container records: by ID, name, layer ID, and short-ID prefix. */
export class ContainerIndex {
  readonly byID = new Map<string, ContainerRecord>();
  readonly byName = new Map<string, ContainerRecord>();
  readonly byLayer = new Map<string, ContainerRecord>();
  private readonly prefixes = new TruncIndex();

  constructor(readonly records: ContainerRecord[]) {
    for (const rec of records) {
      this.add(rec);
      for (const name of rec.names) this.byName.set(name, rec);
    }
  }

  add(rec: ContainerRecord): void {
    this.byID.set(rec.id, rec);
    if (rec.layer !== '') this.byLayer.set(rec.layer, rec);
    try {
      this.prefixes.add(rec.id);
    } catch {
      // IDs with spaces (or empty ones) cannot be prefix-indexed, as upstream
    }
  }

  remove(rec: ContainerRecord): void {
    this.byID.delete(rec.id);
    if (this.byLayer.get(rec.layer) === rec) this.byLayer.delete(rec.layer);
    for (const name of rec.names) if (this.byName.get(name) === rec) this.byName.delete(name);
    if (this.prefixes.has(rec.id)) this.prefixes.delete(rec.id);
  }

  /** Go's order: exact ID, exact name, the container's layer ID, unique ID prefix. */
  lookup(ref: string): ContainerRecord | undefined {
    const exact = this.byID.get(ref) ?? this.byName.get(ref) ?? this.byLayer.get(ref);
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
