import type { GenericValue, GoTime, IDMap } from '@cs/records';

export type { IDMap };

/** Values of the `compression` member (on-disk.md §2.2). */
export const COMPRESSION = { none: 0, bzip2: 1, gzip: 2, xz: 3, zstd: 4 } as const;
export type CompressionName = keyof typeof COMPRESSION;

export function compressionName(value: number): CompressionName {
  for (const [name, n] of Object.entries(COMPRESSION)) if (n === value) return name as CompressionName;
  return 'none';
}

/**
 * A layer as the store hands it out: the persisted members of layers.json plus the computed ones
 * (mount point and count from mountpoints.json, read-only, which file it lives in).
 * Callers get copies; changing them changes nothing on disk.
 */
export interface Layer {
  id: string;
  names: string[];
  /** ID of the parent layer, '' for a base layer. */
  parent: string;
  metadata: string;
  mountLabel: string;
  /** Creation time (Go's nanoseconds and offset are kept on rewrite). */
  created: GoTime;
  compressedDigest: string;
  compressedSize: number;
  uncompressedDigest: string;
  tocDigest: string;
  uncompressedSize: number;
  /** 0 none, 1 bzip2, 2 gzip, 3 xz, 4 zstd. */
  compression: number;
  uidset: number[];
  gidset: number[];
  flags: Record<string, GenericValue>;
  uidMap: IDMap[];
  gidMap: IDMap[];
  bigDataNames: string[];
  /** Computed: absolute mount point while mounted, else ''. */
  mountPoint: string;
  /** Computed: how many mounts are outstanding (from mountpoints.json). */
  mountCount: number;
  /** Computed: the layer lives in a read-only store. */
  readOnly: boolean;
  /** Computed: the record lives in volatile-layers.json. */
  volatile: boolean;
}

/** The flag that marks a layer being created or deleted (on-disk.md §2.2, §4.2). */
export const INCOMPLETE_FLAG = 'incomplete';

export function isIncomplete(layer: Pick<Layer, 'flags'>): boolean {
  return layer.flags[INCOMPLETE_FLAG] === true;
}
