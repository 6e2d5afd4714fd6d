import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Driver } from '@cs/drivers';

/** Directories in an overlay home that are bookkeeping, not layers (on-disk.md §5.9). */
const OVERLAY_RESERVED = new Set(['l', 'staging', 'tempdirs']);

/**
 * The layer directories the driver holds (upstream driver ListLayers). The Driver contract has no
 * such call yet, so this reads the two known layouts: vfs `<home>/dir/<ID>`, overlay `<home>/<ID>`.
 */
export async function listDriverLayers(driver: Driver): Promise<string[]> {
  const dir = driver.name === 'vfs' ? path.join(driver.home, 'dir') : driver.home;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => e.isDirectory() && !e.name.startsWith('.') && !(driver.name === 'overlay' && OVERLAY_RESERVED.has(e.name)))
    .map((e) => e.name)
    .sort();
}
