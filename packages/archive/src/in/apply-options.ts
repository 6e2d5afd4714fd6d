import type { IDMap } from '../common/idmap.js';
import type { Compression } from './detect.js';

export interface ApplyOptions {
  /** 'delete': whiteouts remove (vfs, naive diff; Algorithm A). 'overlay': 0/0 char devices + opaque xattr (Algorithm B). */
  whiteouts: 'delete' | 'overlay';
  /** Namespace of the overlay opaque xattr: 'trusted.' as real root (default), 'user.' rootless. */
  overlayXattrPrefix?: 'trusted.' | 'user.';
  uidMaps?: IDMap[];
  gidMaps?: IDMap[];
  /** Ignore chown failures (storage.conf ignore_chown_errors). */
  ignoreChownErrors?: boolean;
  /** Not supported yet: rejected with ERR_ARCHIVE_UNSUPPORTED_OPTION-like ArchiveError. */
  forceMask?: number;
  /** Record the tar-split stream and return it (gzip bytes) as `tarSplit`. */
  recordTarSplit?: boolean;
  /** Overlay: lower diff dirs, nearest first, where hardlink targets absent from this layer are found (and copied up). */
  lowerDirs?: string[];
  /** Keep `*.overlay.*` and `user.containers.override_stat` xattrs found in the tar (default: stripped, layer-diff.md §2.6). */
  keepOverlayXattrs?: boolean;
  signal?: AbortSignal;
}

export interface ApplyResult {
  /** layer-diff.md §2.9: sum of header sizes ('delete'), disk usage of the new content ('overlay'). */
  size: number;
  compression: Compression;
  compressedDigest: string;
  compressedSize: number;
  uncompressedDigest: string;
  uncompressedSize: number;
  /** Sorted unique container IDs from headers, whiteouts excluded. */
  uidset: number[];
  gidset: number[];
  /** gzip of the tar-split JSON stream, when recordTarSplit was set. */
  tarSplit?: Buffer;
}
