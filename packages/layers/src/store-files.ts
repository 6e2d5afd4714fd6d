import { promises as fs } from 'node:fs';
import { CorruptFileError, atomicWriteFile, decodeRecordArray, encodeGoJSON } from '@cs/records';
import { decodeLayer, encodeLayer, type StoredLayer } from './layer-codec.js';
import { decodeMount, encodeMount, type MountRecord } from './mountpoints-codec.js';
import type { LayerStorePaths } from './paths.js';

/** What was read from the two layer files, merged stable-first (on-disk.md §2.2). */
export interface LoadedLayers {
  layers: StoredLayer[];
  /** mtime (ns) of each file at the time it was read; null when it did not exist. */
  stableMtime: bigint | null;
  volatileMtime: bigint | null;
}

async function readWithMtime(file: string): Promise<{ bytes: Buffer; mtime: bigint } | null> {
  let handle: fs.FileHandle;
  try {
    handle = await fs.open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
  try {
    // fstat and read through one descriptor: the mtime belongs to exactly the bytes we read.
    const st = await handle.stat({ bigint: true });
    const bytes = await handle.readFile();
    return { bytes, mtime: st.mtimeNs };
  } finally {
    await handle.close();
  }
}

export async function mtimeOf(file: string): Promise<bigint | null> {
  try {
    return (await fs.stat(file, { bigint: true })).mtimeNs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/**
 * Reads layers.json and volatile-layers.json. A decode error anywhere refuses the whole load
 * (CorruptFileError); so does the same ID twice in one file. An ID repeated in the volatile file
 * is skipped, as HEAD does.
 */
export async function loadLayerFiles(paths: LayerStorePaths): Promise<LoadedLayers> {
  const seen = new Set<string>();
  const layers: StoredLayer[] = [];
  const take = (file: string, bytes: Buffer, isVolatile: boolean): void => {
    const inThisFile = new Set<string>();
    for (const layer of decodeRecordArray(file, bytes, decodeLayer)) {
      if (inThisFile.has(layer.id)) throw new CorruptFileError(file, `layer ID ${layer.id} appears twice`);
      inThisFile.add(layer.id);
      if (seen.has(layer.id)) continue;
      seen.add(layer.id);
      layer.volatile = isVolatile;
      layers.push(layer);
    }
  };
  const stable = await readWithMtime(paths.layersJSON);
  if (stable) take(paths.layersJSON, stable.bytes, false);
  const vol = await readWithMtime(paths.volatileLayersJSON);
  if (vol) take(paths.volatileLayersJSON, vol.bytes, true);
  return { layers, stableMtime: stable?.mtime ?? null, volatileMtime: vol?.mtime ?? null };
}

/**
 * Writes the records back, each into the file it came from. The volatile file is only written
 * when it exists or holds records (1.43 never reads it); HEAD does not fsync it.
 */
export async function saveLayerFiles(
  paths: LayerStorePaths,
  layers: readonly StoredLayer[],
  volatileFileExists: boolean,
): Promise<{ stableMtime: bigint | null; volatileMtime: bigint | null }> {
  const stable = layers.filter((l) => !l.volatile);
  const vol = layers.filter((l) => l.volatile);
  await atomicWriteFile(paths.layersJSON, encodeGoJSON(stable.map(encodeLayer)));
  if (vol.length > 0 || volatileFileExists) {
    await atomicWriteFile(paths.volatileLayersJSON, encodeGoJSON(vol.map(encodeLayer)), { sync: false });
  }
  return { stableMtime: await mtimeOf(paths.layersJSON), volatileMtime: await mtimeOf(paths.volatileLayersJSON) };
}

export async function loadMountFile(file: string): Promise<MountRecord[]> {
  const got = await readWithMtime(file);
  if (!got) return [];
  return decodeRecordArray(file, got.bytes, decodeMount);
}

/** Only mounted layers are listed, in layer-store order. */
export async function saveMountFile(file: string, layers: readonly StoredLayer[]): Promise<void> {
  const records: MountRecord[] = layers
    .filter((l) => l.mountPoint !== '' && l.mountCount > 0)
    .map((l) => ({ id: l.id, path: l.mountPoint, count: l.mountCount }));
  await atomicWriteFile(file, encodeGoJSON(records.map(encodeMount)));
}
