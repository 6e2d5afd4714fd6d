import path from 'node:path';

/** Where the layer store keeps its files (on-disk.md §1.1, §1.2). */
export interface LayerStorePaths {
  /** `$GRAPHROOT/<driver>-layers`: layers.json, layers.lock, tar-split files, big-data dirs. */
  readonly layerDir: string;
  readonly layersJSON: string;
  readonly volatileLayersJSON: string;
  readonly layersLock: string;
  /** `$RUNROOT/<driver>-layers`: mountpoints.json and its lock; null for read-only stores. */
  readonly mountDir: string | null;
  readonly mountpointsJSON: string | null;
  readonly mountpointsLock: string | null;
}

export function layerStorePaths(layerDir: string, mountDir: string | null): LayerStorePaths {
  const dir = path.resolve(layerDir);
  const mdir = mountDir === null ? null : path.resolve(mountDir);
  return {
    layerDir: dir,
    layersJSON: path.join(dir, 'layers.json'),
    volatileLayersJSON: path.join(dir, 'volatile-layers.json'),
    layersLock: path.join(dir, 'layers.lock'),
    mountDir: mdir,
    mountpointsJSON: mdir === null ? null : path.join(mdir, 'mountpoints.json'),
    mountpointsLock: mdir === null ? null : path.join(mdir, 'mountpoints.lock'),
  };
}

/** `<layerDir>/<ID>.tar-split.gz` (on-disk.md §1.7). */
export function tarSplitPath(layerDir: string, id: string): string {
  return path.join(layerDir, `${id}.tar-split.gz`);
}

/** `<layerDir>/<ID>/`, the layer's big-data directory (on-disk.md §1.5). */
export function bigDataDir(layerDir: string, id: string): string {
  return path.join(layerDir, id);
}
