import { AmbiguousIDError, TruncIndex } from '@cs/ids';

/**
 * The in-memory lookup tables over a list of records: by ID, by name, and the prefix index for
 * short IDs. Rebuilt on every load; kept in step by the changes. Subclasses add tables of their
 * own by overriding `add`/`remove` (and `lookupExact` for extra exact keys) and filling them in
 * their constructor: the base constructor fills only its own tables.
 */
export class RecordIndex<R extends { id: string; names: string[] }> {
  readonly byID = new Map<string, R>();
  readonly byName = new Map<string, R>();
  readonly #prefixes = new TruncIndex();

  constructor(readonly records: R[]) {
    for (const rec of records) this.#addOwn(rec);
  }

  /** Indexes a new record under its ID and names. */
  add(rec: R): void {
    this.#addOwn(rec);
  }

  /** Drops a record from every table (names only where it still owns them). */
  remove(rec: R): void {
    this.byID.delete(rec.id);
    for (const name of rec.names) if (this.byName.get(name) === rec) this.byName.delete(name);
    if (this.#prefixes.has(rec.id)) this.#prefixes.delete(rec.id);
  }

  /**
   * Go's lookup order: the exact keys (`lookupExact`), then a unique ID prefix. An ambiguous
   * prefix throws AmbiguousIDError (Go reports it as "not known"); no match returns undefined.
   */
  lookup(ref: string): R | undefined {
    const exact = this.lookupExact(ref);
    if (exact) return exact;
    if (ref === '' || ref.includes(' ')) return undefined;
    try {
      return this.byID.get(this.#prefixes.get(ref));
    } catch (err) {
      if (err instanceof AmbiguousIDError) throw err;
      return undefined;
    }
  }

  /** Exact ID, then exact name. */
  protected lookupExact(ref: string): R | undefined {
    return this.byID.get(ref) ?? this.byName.get(ref);
  }

  #addOwn(rec: R): void {
    this.byID.set(rec.id, rec);
    for (const name of rec.names) this.byName.set(name, rec);
    try {
      this.#prefixes.add(rec.id);
    } catch {
      // IDs with spaces (or empty ones) cannot be prefix-indexed, as upstream
    }
  }
}
