import type { Readable } from 'node:stream';
import type { ApplyResult, Change, IDMap } from '@cs/archive';
import type { DedupOptions, DedupResult } from './dedup.js';

export type { ApplyResult, Change, IDMap };

export interface CreateOpts {
  mountLabel?: string;
  /** per-layer driver options (`size`, `inodes`); drivers without quotas reject them */
  storageOpt?: Record<string, string>;
  uidMaps?: IDMap[];
  gidMaps?: IDMap[];
}

export interface MountOpts {
  mountLabel?: string;
  uidMaps?: IDMap[];
  gidMaps?: IDMap[];
  /** mount options replacing the driver's configured `mountopt` (e.g. `['nodev']`) */
  options?: string[];
  /** mount read-only (overlay: lower dirs only, no upper) */
  readOnly?: boolean;
  /** overlay: add the `volatile` option (no syncs) when the kernel supports it (volatile containers) */
  volatile?: boolean;
}

export interface DiffOpts {
  uidMaps?: IDMap[];
  gidMaps?: IDMap[];
  mountLabel?: string;
}

export interface ApplyDiffOpts extends DiffOpts {
  /** return the gzip'd tar-split stream in the result */
  recordTarSplit?: boolean;
  signal?: AbortSignal;
}

/**
 * A graph driver: stores layers as directories and knows nothing of layers.json. Mount counting
 * is the caller's job: get() mounts (or returns the already mounted path), put() unmounts.
 */
export interface Driver {
  /** the name the driver reports ('overlay' for the 'overlay2' alias) */
  readonly name: string;
  /** $GRAPHROOT/<name> */
  readonly home: string;
  create(id: string, parent: string | null, opts?: CreateOpts): Promise<void>;
  createReadWrite(id: string, parent: string | null, opts?: CreateOpts): Promise<void>;
  /** removes the layer's data; unmounts it first if it is mounted; a missing layer is not an error */
  remove(id: string): Promise<void>;
  exists(id: string): Promise<boolean>;
  /** IDs of every layer directory in the home (upstream ListLayers), sorted */
  listLayers(): Promise<string[]>;
  /**
   * IDs of the layer directories in the split image store's home (`imageStoreHome`), by
   * listLayers' rules, sorted; [] when not split. Upstream ListLayers lists the home only, so
   * storage-layers keeps using listLayers; gc and check use both.
   */
  listImageStoreLayers(): Promise<string[]>;
  /** mounts the layer and returns the path of its root filesystem */
  get(id: string, opts?: MountOpts): Promise<string>;
  /** unmounts the layer (no-op when not mounted) */
  put(id: string): Promise<void>;
  /** is the layer's mount point mounted right now (from /proc/self/mountinfo) */
  isMounted(id: string): Promise<boolean>;
  /** key/value pairs for `containers-storage status` */
  status(): Promise<Array<[string, string]>>;
  metadata(id: string): Promise<Record<string, string>>;
  /** releases what the driver holds (the home bind mount for overlay) */
  cleanup(): Promise<void>;
  /** an uncompressed tar of the changes between parent and id */
  diff(id: string, parent: string | null, opts?: DiffOpts): Promise<Readable>;
  changes(id: string, parent: string | null, opts?: DiffOpts): Promise<Change[]>;
  applyDiff(
    id: string,
    parent: string | null,
    input: AsyncIterable<Uint8Array>,
    opts?: ApplyDiffOpts,
  ): Promise<ApplyResult>;
  diffSize(id: string, parent: string | null, opts?: DiffOpts): Promise<number>;
  /** where tar-split replay finds member contents, first hit wins (overlay: diff/, then the lowers) */
  layerFileDirs(id: string): Promise<string[]>;
  /** Shares the extents of identical files across these layers (upstream Dedup; vfs, overlay). */
  dedup?(layerIds: readonly string[], opts: DedupOptions): Promise<DedupResult>;
  /** Unpacks a tarball into a new directory of the driver's staging area (upstream ApplyDiffWithDiffer). */
  prepareStaged?(input: AsyncIterable<Uint8Array>, opts?: ApplyDiffOpts): Promise<StagedLayer>;
  /** Makes the staged content the layer's content (upstream ApplyDiffFromStagingDirectory). */
  applyStaged?(id: string, parent: string | null, staged: StagedLayer): Promise<void>;
  /** Removes what is left of a staging directory and releases its lock (idempotent). */
  cleanupStaged?(staged: StagedLayer): Promise<void>;
  /**
   * HEAD DeferredRemove: moves the layer's data (unmounted first) into a staged-deletion dir
   * (`tempdirs/`) and returns the function that deletes it, to be called once the caller's
   * store lock is released. A missing layer stages nothing.
   */
  deferredRemove?(id: string): Promise<() => Promise<void>>;
  /** Removes staged deletions of dead processes from the driver's `tempdirs/` (HEAD RecoverStaleDirs). */
  recoverTempDirs?(): Promise<void>;
}

/** Content prepared in a driver's staging area, not yet part of any layer. */
export interface StagedLayer {
  /** the directory holding the content, inside the driver home */
  readonly target: string;
  /** what unpacking found: digests, sizes, uid/gid sets, tar-split */
  readonly result: ApplyResult;
}

export interface DriverInitOpts {
  /** the driver home, $GRAPHROOT/<name>; or give graphRoot and let the driver add its name */
  home?: string;
  /** the driver run home, $RUNROOT/<name>; or give runRoot */
  runHome?: string;
  graphRoot?: string;
  runRoot?: string;
  /** `--storage-opt` strings, e.g. `overlay.mountopt=nodev` */
  options?: string[];
  uidMaps?: IDMap[];
  gidMaps?: IDMap[];
  /** HEAD `imagestore`: read-only (image) layers are created under `<imageStore>/<name>`. */
  imageStore?: string;
}

/** The resolved form every factory receives. */
export interface ResolvedDriverInitOpts {
  home: string;
  runHome: string;
  /** `<imagestore>/<name>` of a split image store, absent when not split. */
  imageStoreHome?: string;
  options: string[];
  uidMaps: IDMap[];
  gidMaps: IDMap[];
}

export type DriverFactory = (opts: ResolvedDriverInitOpts) => Promise<Driver>;
