import { statSync } from 'node:fs';
import { CorruptFileError, atomicWriteFile, decodeRecordArray, encodeGoJSON, readFileWithMtime } from '@cs/records';
import { decodeLayer, encodeLayer, type StoredLayer } from './layer-codec.js';
import { decodeMount, encodeMount, type MountRecord } from './mountpoints-codec.js';
import { LAYER_LOCATIONS, locationFile, type LayerLocation, type LayerStorePaths } from './paths.js';

/** What was read from the layer files, merged stable → image store → volatile (on-disk.md §2.2). */
export interface LoadedLayers {
  layers: StoredLayer[];
  /** Per record file: its mtime (ns) when read, null when it did not exist. */
  mtimes: Map<string, bigint | null>;
  /** Per record file: its text as read ('[]' when missing), so a save can skip unchanged files. */
  texts: Map<string, string>;
}

async function readWithMtime(file: string): Promise<{ bytes: Buffer; mtime: bigint } | null> {
  const got = await readFileWithMtime(file);
  return got && { bytes: got.bytes, mtime: got.mtimeNs };
}

/** One stat, inline: a thread-pool round trip costs more than the syscall. */
export async function mtimeOf(file: string): Promise<bigint | null> {
  try {
    return statSync(file, { bigint: true }).mtimeNs;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

/** The record files of the store, in merge order, with the location each stands for. */
export function recordFiles(paths: LayerStorePaths): Array<[LayerLocation, string]> {
  const out: Array<[LayerLocation, string]> = [];
  for (const loc of LAYER_LOCATIONS) {
    const file = locationFile(paths, loc);
    if (file !== null) out.push([loc, file]);
  }
  return out;
}

const encodeAll = (layers: readonly StoredLayer[]): string => encodeGoJSON(layers.map(encodeLayer));

/**
 * Reads layers.json, the split image store's layers.json and volatile-layers.json. A decode
 * error anywhere refuses the whole load (CorruptFileError); so does the same ID twice in one
 * file. An ID already read from an earlier file is skipped, as HEAD does.
 */
export async function loadLayerFiles(paths: LayerStorePaths): Promise<LoadedLayers> {
  const seen = new Set<string>();
  const layers: StoredLayer[] = [];
  const mtimes = new Map<string, bigint | null>();
  const texts = new Map<string, string>();
  for (const [location, file] of recordFiles(paths)) {
    const got = await readWithMtime(file);
    mtimes.set(file, got?.mtime ?? null);
    const inThisFile = new Set<string>();
    const kept: StoredLayer[] = [];
    for (const layer of got ? decodeRecordArray(file, got.bytes, decodeLayer) : []) {
      if (inThisFile.has(layer.id)) throw new CorruptFileError(file, `layer ID ${layer.id} appears twice`);
      inThisFile.add(layer.id);
      if (seen.has(layer.id)) continue;
      seen.add(layer.id);
      setLocation(layer, location);
      kept.push(layer);
    }
    layers.push(...kept);
    // The baseline a save compares with: the bytes as read (no encoding at load time; a file
    // another writer formatted differently is rewritten once). A missing file counts as empty,
    // so it is only created once it has records.
    texts.set(file, got ? got.bytes.toString('utf8') : '[]');
  }
  return { layers, mtimes, texts };
}

/** Puts the record in the file for `location` (keeps the public `volatile` in step). */
export function setLocation(layer: StoredLayer, location: LayerLocation): void {
  layer.location = location;
  layer.volatile = location === 'volatile';
}

/**
 * Writes each file whose records changed since `texts` (what was last read or written), each
 * record into the file of its location; updates `texts` and `mtimes`. layers.json and the image
 * store's are fsynced, volatile-layers.json is not (HEAD).
 */
export async function saveLayerFiles(
  paths: LayerStorePaths,
  layers: readonly StoredLayer[],
  texts: Map<string, string>,
  mtimes: Map<string, bigint | null>,
): Promise<void> {
  for (const [location, file] of recordFiles(paths)) {
    const text = encodeAll(layers.filter((l) => l.location === location));
    if (texts.get(file) === text) continue;
    await atomicWriteFile(file, text, { sync: location !== 'volatile' });
    texts.set(file, text);
    mtimes.set(file, await mtimeOf(file));
  }
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
