import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '@cs/drivers';

export interface CachedFeature {
  supported: boolean;
  /** the explanatory text (the error message for `false`) */
  text: string;
}

/**
 * Reads `$RUNROOT/overlay/<feature>-true|false` (on-disk.md §5.8); undefined when not probed yet.
 * Synchronous reads: every driver open asks for a few features, each file a few bytes.
 */
export async function readCachedFeature(runHome: string, feature: string): Promise<CachedFeature | undefined> {
  for (const supported of [true, false]) {
    try {
      const text = readFileSync(path.join(runHome, `${feature}-${supported}`), 'utf8');
      return { supported, text };
    } catch (err) {
      if (!isErrno(err, 'ENOENT')) throw err;
    }
  }
  return undefined;
}

export async function recordFeature(runHome: string, feature: string, result: CachedFeature): Promise<void> {
  await writeFile(path.join(runHome, `${feature}-${result.supported}`), result.text, { mode: 0o644 });
}

/** Returns the cached answer, or probes once and records it. */
export async function cachedProbe(
  runHome: string,
  feature: string,
  probe: () => Promise<CachedFeature>,
): Promise<CachedFeature> {
  const cached = await readCachedFeature(runHome, feature);
  if (cached) return cached;
  const result = await probe();
  await recordFeature(runHome, feature, result);
  return result;
}
