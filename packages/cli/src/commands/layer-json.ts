import type { GoValue } from '@cs/records';
import { recordsLibrary } from '../libraries.js';
import type { Layer } from '@cs/store';

const str = (s: string): string | undefined => (s === '' ? undefined : s);
const num = (n: number): number | undefined => (n === 0 ? undefined : n);
const list = <T>(a: readonly T[]): T[] | undefined => (a.length === 0 ? undefined : [...a]);

/**
 * A layer as Go's json.Encoder writes storage.Layer (cli.md §1.9): struct order, omitempty members
 * left out, computed members (mount point, count, read-only) never shown.
 */
export function layerToGo(layer: Layer): GoValue {
  return {
    id: layer.id,
    names: list(layer.names),
    parent: str(layer.parent),
    metadata: str(layer.metadata),
    mountlabel: str(layer.mountLabel),
    created: layer.created,
    'compressed-diff-digest': str(layer.compressedDigest),
    'compressed-size': num(layer.compressedSize),
    'diff-digest': str(layer.uncompressedDigest),
    'toc-digest': str(layer.tocDigest),
    'diff-size': num(layer.uncompressedSize),
    compression: num(layer.compression),
    uidset: list(layer.uidset),
    gidset: list(layer.gidset),
    flags: Object.keys(layer.flags).length === 0 ? undefined : recordsLibrary().genericToGo(layer.flags),
    uidmap: recordsLibrary().idMapsToGo(layer.uidMap),
    gidmap: recordsLibrary().idMapsToGo(layer.gidMap),
    'big-data-names': list(layer.bigDataNames),
  };
}
