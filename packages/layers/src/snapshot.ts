import type { Layer } from './layer.js';
import type { StoredLayer } from './layer-codec.js';

/** A copy of a record for callers (without the private unknown members). */
export function snapshot(layer: StoredLayer): Layer {
  return {
    id: layer.id,
    names: [...layer.names],
    parent: layer.parent,
    metadata: layer.metadata,
    mountLabel: layer.mountLabel,
    created: layer.created,
    compressedDigest: layer.compressedDigest,
    compressedSize: layer.compressedSize,
    uncompressedDigest: layer.uncompressedDigest,
    tocDigest: layer.tocDigest,
    uncompressedSize: layer.uncompressedSize,
    compression: layer.compression,
    uidset: [...layer.uidset],
    gidset: [...layer.gidset],
    flags: structuredClone(layer.flags),
    uidMap: layer.uidMap.map((m) => ({ ...m })),
    gidMap: layer.gidMap.map((m) => ({ ...m })),
    bigDataNames: [...layer.bigDataNames],
    mountPoint: layer.mountPoint,
    mountCount: layer.mountCount,
    readOnly: layer.readOnly,
    volatile: layer.volatile,
  };
}
