import { TruncIndex } from '@cs/ids';
import { AmbiguousLayerIDError, LayerUnknownError } from './errors.js';
import type { Layer } from './layer.js';

/**
 * The in-memory lookups over the loaded records: by ID, by name, by ID prefix, by mount point
 * and by each kind of digest. Rebuilt on every load; kept in step by the store's mutations.
 */
export class LayerIndex<L extends Layer = Layer> {
  readonly byID = new Map<string, L>();
  readonly byName = new Map<string, L>();
  readonly byMount = new Map<string, L>();
  readonly byCompressedDigest = new Map<string, string[]>();
  readonly byUncompressedDigest = new Map<string, string[]>();
  readonly byTOCDigest = new Map<string, string[]>();
  #prefixes = new TruncIndex();
  /** Layers in file order (stable file first, then volatile). */
  readonly ordered: L[] = [];

  constructor(layers: Iterable<L> = []) {
    for (const layer of layers) this.add(layer);
  }

  add(layer: L): void {
    this.ordered.push(layer);
    this.byID.set(layer.id, layer);
    // IDs with spaces cannot be prefix-indexed (cli.md §1.10); they stay reachable by exact ID.
    if (layer.id !== '' && !layer.id.includes(' ')) this.#prefixes.add(layer.id);
    for (const name of layer.names) this.byName.set(name, layer);
    if (layer.mountPoint !== '') this.byMount.set(layer.mountPoint, layer);
    this.#indexDigests(layer);
  }

  remove(layer: L): void {
    const at = this.ordered.indexOf(layer);
    if (at >= 0) this.ordered.splice(at, 1);
    this.byID.delete(layer.id);
    if (this.#prefixes.has(layer.id)) this.#prefixes.delete(layer.id);
    for (const name of layer.names) if (this.byName.get(name) === layer) this.byName.delete(name);
    if (layer.mountPoint !== '' && this.byMount.get(layer.mountPoint) === layer) this.byMount.delete(layer.mountPoint);
    this.#unindexDigests(layer);
  }

  /** Call around any change of a layer's digests: `update(layer, () => { layer.x = … })`. */
  updateDigests(layer: L, change: () => void): void {
    this.#unindexDigests(layer);
    change();
    this.#indexDigests(layer);
  }

  setMountPoint(layer: L, mountPoint: string): void {
    if (layer.mountPoint !== '' && this.byMount.get(layer.mountPoint) === layer) this.byMount.delete(layer.mountPoint);
    layer.mountPoint = mountPoint;
    if (mountPoint !== '') this.byMount.set(mountPoint, layer);
  }

  /**
   * Resolves a reference: exact ID, then exact name, then unique ID prefix (on-disk.md §2.6).
   * Throws LayerUnknownError, or AmbiguousLayerIDError for a prefix matching several IDs.
   */
  resolve(ref: string): L {
    const byID = this.byID.get(ref);
    if (byID) return byID;
    const byName = this.byName.get(ref);
    if (byName) return byName;
    if (ref !== '' && !ref.includes(' ')) {
      const matches = [...this.#takePrefix(ref, 2)];
      if (matches.length === 1) return this.byID.get(matches[0]!)!;
      if (matches.length > 1) throw new AmbiguousLayerIDError(ref, [...this.#prefixes.withPrefix(ref)].length);
    }
    throw new LayerUnknownError(ref);
  }

  *#takePrefix(prefix: string, limit: number): Iterable<string> {
    let n = 0;
    for (const id of this.#prefixes.withPrefix(prefix)) {
      yield id;
      if (++n >= limit) return;
    }
  }

  #indexDigests(layer: L): void {
    addTo(this.byCompressedDigest, layer.compressedDigest, layer.id);
    addTo(this.byUncompressedDigest, layer.uncompressedDigest, layer.id);
    addTo(this.byTOCDigest, layer.tocDigest, layer.id);
  }

  #unindexDigests(layer: L): void {
    removeFrom(this.byCompressedDigest, layer.compressedDigest, layer.id);
    removeFrom(this.byUncompressedDigest, layer.uncompressedDigest, layer.id);
    removeFrom(this.byTOCDigest, layer.tocDigest, layer.id);
  }
}

function addTo(map: Map<string, string[]>, key: string, id: string): void {
  if (key === '') return;
  const list = map.get(key);
  if (list === undefined) map.set(key, [id]);
  else if (!list.includes(id)) list.push(id);
}

function removeFrom(map: Map<string, string[]>, key: string, id: string): void {
  if (key === '') return;
  const list = map.get(key);
  if (list === undefined) return;
  const at = list.indexOf(id);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}
