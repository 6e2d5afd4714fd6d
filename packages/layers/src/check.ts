import { createReadStream, promises as fs } from 'node:fs';
import type { Driver } from '@cs/drivers';
import { bigDataPath } from '@cs/records';
import type { StoredLayer } from './layer-codec.js';
import { bigDataDir, tarSplitPath } from './paths.js';

/** One problem `check` found; `message` uses the wording of Go's check report (cli.md §3.1). */
export interface LayerProblem {
  code:
    | 'ERR_LAYER_PARENT_MISSING'
    | 'ERR_LAYER_DATA_MISSING'
    | 'ERR_LAYER_DRIVER_DATA_MISSING'
    | 'ERR_LAYER_CONTENT_DIGEST'
    | 'ERR_LAYER_CONTENT_SIZE'
    | 'ERR_LAYER_CONTENT_UNREADABLE';
  message: string;
}

export interface CheckOptions {
  /** Also replay each tar-split and compare it with the recorded diff-digest and diff-size (slow). */
  contents?: boolean;
}

/**
 * Checks what the layer store alone can prove about each layer: its parent exists, its driver
 * data exists, its big-data items exist, and (with `contents`) that its tar-split still
 * reproduces the recorded `diff-digest` and `diff-size`. Reports, never repairs.
 */
export async function checkLayers(
  layers: readonly StoredLayer[],
  driver: Driver,
  layerDir: string,
  opts: CheckOptions = {},
): Promise<Map<string, LayerProblem[]>> {
  const ids = new Set(layers.map((l) => l.id));
  const report = new Map<string, LayerProblem[]>();
  for (const layer of layers) {
    const problems: LayerProblem[] = [];
    if (layer.parent !== '' && !ids.has(layer.parent)) {
      problems.push({ code: 'ERR_LAYER_PARENT_MISSING', message: `layer ${layer.parent}: layer is missing` });
    }
    if (!(await driver.exists(layer.id))) {
      problems.push({ code: 'ERR_LAYER_DRIVER_DATA_MISSING', message: `layer ${layer.id}: layer is missing from the storage driver` });
    }
    for (const key of layer.bigDataNames) {
      const present = await fs.access(bigDataPath(bigDataDir(layerDir, layer.id), key)).then(
        () => true,
        () => false,
      );
      if (!present) {
        problems.push({ code: 'ERR_LAYER_DATA_MISSING', message: `layer ${layer.id}: data item ${JSON.stringify(key)}: layer data item is missing` });
      }
    }
    if (opts.contents && layer.uncompressedDigest !== '' && problems.length === 0) {
      const problem = await checkContents(layer, driver, layerDir);
      if (problem) problems.push(problem);
    }
    if (problems.length > 0) report.set(layer.id, problems);
  }
  return report;
}

async function checkContents(layer: StoredLayer, driver: Driver, layerDir: string): Promise<LayerProblem | undefined> {
  const file = tarSplitPath(layerDir, layer.id);
  const exists = await fs.access(file).then(
    () => true,
    () => false,
  );
  if (!exists) return undefined; // nothing recorded to compare with (create-layer, container layers)
  // Loaded here: only a content check needs hashing and tar-split replay.
  const { createHash } = await import('node:crypto');
  // The same calling-thread replay as diff (no worker start per layer checked).
  const { replayTarSplit } = await import('@cs/archive');
  const hash = createHash(layer.uncompressedDigest.split(':')[0] ?? 'sha256');
  let size = 0;
  try {
    const stream = replayTarSplit(createReadStream(file), await driver.layerFileDirs(layer.id));
    for await (const chunk of stream as AsyncIterable<Uint8Array>) {
      hash.update(chunk);
      size += chunk.length;
    }
  } catch (err) {
    const code = (err as { code?: string }).code;
    const what = code === 'ERR_TARSPLIT_CHECKSUM' ? 'file integrity checksum failed' : (err as Error).message;
    return { code: 'ERR_LAYER_CONTENT_UNREADABLE', message: `layer ${layer.id}: ${what}` };
  }
  const digest = `${layer.uncompressedDigest.split(':')[0]}:${hash.digest('hex')}`;
  if (digest !== layer.uncompressedDigest) return { code: 'ERR_LAYER_CONTENT_DIGEST', message: `layer ${layer.id}: layer content incorrect digest` };
  if (layer.uncompressedSize > 0 && size !== layer.uncompressedSize) {
    return { code: 'ERR_LAYER_CONTENT_SIZE', message: `layer ${layer.id}: layer content incorrect size` };
  }
  return undefined;
}
