import { AmbiguousIDError, DuplicateIDError, IDNotFoundError, InvalidIDError } from './errors.js';

/**
 * Finds IDs by a unique prefix, like upstream's pkg/truncindex.
 * IDs are kept in a sorted array: lookups are binary searches; add/delete shift the array
 * (cheap for the tens of thousands of IDs a store holds).
 */
export class TruncIndex {
  #sorted: string[] = [];

  constructor(ids?: Iterable<string>) {
    if (ids) for (const id of ids) this.add(id);
  }

  get size(): number {
    return this.#sorted.length;
  }

  /** Adds an ID. Empty IDs and IDs with spaces are rejected (as upstream); duplicates too. */
  add(id: string): void {
    if (typeof id !== 'string' || id === '') throw new InvalidIDError(String(id), 'empty');
    if (id.includes(' ')) throw new InvalidIDError(id, 'illegal character: " "');
    const at = this.#lowerBound(id);
    if (this.#sorted[at] === id) throw new DuplicateIDError(id);
    this.#sorted.splice(at, 0, id);
  }

  /** Removes an ID; IDNotFoundError when it is not in the index. */
  delete(id: string): void {
    const at = this.#lowerBound(id);
    if (this.#sorted[at] !== id) throw new IDNotFoundError(id);
    this.#sorted.splice(at, 1);
  }

  has(id: string): boolean {
    return this.#sorted[this.#lowerBound(id)] === id;
  }

  /**
   * The one ID starting with `prefix`. As upstream, a prefix that matches several IDs is
   * ambiguous even when one of them equals the prefix exactly (callers check exact IDs first).
   */
  get(prefix: string): string {
    if (typeof prefix !== 'string' || prefix === '') throw new InvalidIDError(String(prefix), 'prefix can\'t be empty');
    const at = this.#lowerBound(prefix);
    const first = this.#sorted[at];
    if (first === undefined || !first.startsWith(prefix)) throw new IDNotFoundError(prefix);
    const next = this.#sorted[at + 1];
    if (next !== undefined && next.startsWith(prefix)) throw new AmbiguousIDError(prefix);
    return first;
  }

  /** Every ID starting with `prefix` (all IDs for ''), in sorted order. */
  *withPrefix(prefix = ''): IterableIterator<string> {
    for (let i = this.#lowerBound(prefix); i < this.#sorted.length; i++) {
      const id = this.#sorted[i]!;
      if (!id.startsWith(prefix)) return;
      yield id;
    }
  }

  [Symbol.iterator](): IterableIterator<string> {
    return this.withPrefix('');
  }

  /** Index of the first element >= key (code-unit order, which is byte order for hex IDs). */
  #lowerBound(key: string): number {
    let lo = 0;
    let hi = this.#sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#sorted[mid]! < key) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}
