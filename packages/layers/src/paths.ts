import path from 'node:path';

/** Which file a layer record lives in (on-disk.md §2.2); also the order readers merge them in. */
export type LayerLocation = 'stable' | 'image' | 'volatile';
export const LAYER_LOCATIONS: readonly LayerLocation[] = ['stable', 'image', 'volatile'];

/** Where the layer store keeps its files (on-disk.md §1.1, §1.2, §1.8). */
export interface LayerStorePaths {
  /** `$GRAPHROOT/<driver>-layers`: layers.json, layers.lock, tar-split files, big-data dirs, tmp/. */
  readonly layerDir: string;
  readonly layersJSON: string;
  /** Beside layers.json, or in the run dir for a HEAD transient store. */
  readonly volatileLayersJSON: string;
  readonly layersLock: string;
  /** HEAD split image store `<imagestore>/<driver>-layers`: its layers.json and layers.lock; null when not split. */
  readonly imageLayerDir: string | null;
  readonly imageLayersJSON: string | null;
  readonly imageLayersLock: string | null;
  /** `<layerDir>/tmp`: HEAD staged deletions (lock-* files, temp-dir-* dirs). */
  readonly tmpDir: string;
  /** `$RUNROOT/<driver>-layers`: mountpoints.json and its lock; null for read-only stores. */
  readonly mountDir: string | null;
  readonly mountpointsJSON: string | null;
  readonly mountpointsLock: string | null;
}

export interface ExtraLayerDirs {
  /** Directory of volatile-layers.json (default: layerDir). */
  volatileDir?: string;
  /** `<imagestore>/<driver>-layers` of a split image store. */
  imageLayerDir?: string;
}

export function layerStorePaths(layerDir: string, mountDir: string | null, extra: ExtraLayerDirs = {}): LayerStorePaths {
  const dir = path.resolve(layerDir);
  const mdir = mountDir === null ? null : path.resolve(mountDir);
  const idir = extra.imageLayerDir === undefined ? null : path.resolve(extra.imageLayerDir);
  return {
    layerDir: dir,
    layersJSON: path.join(dir, 'layers.json'),
    volatileLayersJSON: path.join(path.resolve(extra.volatileDir ?? dir), 'volatile-layers.json'),
    layersLock: path.join(dir, 'layers.lock'),
    imageLayerDir: idir,
    imageLayersJSON: idir === null ? null : path.join(idir, 'layers.json'),
    imageLayersLock: idir === null ? null : path.join(idir, 'layers.lock'),
    tmpDir: path.join(dir, 'tmp'),
    mountDir: mdir,
    mountpointsJSON: mdir === null ? null : path.join(mdir, 'mountpoints.json'),
    mountpointsLock: mdir === null ? null : path.join(mdir, 'mountpoints.lock'),
  };
}

/** The record file of a location; null when the store has no such file (no split image store). */
export function locationFile(paths: LayerStorePaths, location: LayerLocation): string | null {
  if (location === 'stable') return paths.layersJSON;
  if (location === 'image') return paths.imageLayersJSON;
  return paths.volatileLayersJSON;
}

/** `<layerDir>/<ID>.tar-split.gz` (on-disk.md §1.7). */
export function tarSplitPath(layerDir: string, id: string): string {
  return path.join(layerDir, `${id}.tar-split.gz`);
}

/** `<layerDir>/<ID>/`, the layer's big-data directory (on-disk.md §1.5). */
export function bigDataDir(layerDir: string, id: string): string {
  return path.join(layerDir, id);
}
