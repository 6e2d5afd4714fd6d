import { promises as fs } from 'node:fs';
import path from 'node:path';

/** Apparent size of the regular files under a directory (missing: 0). */
export async function treeFileSize(dir: string): Promise<number> {
  let total = 0;
  let entries;
  try {
    entries = await fs.readdir(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += await treeFileSize(p);
    else if (e.isFile()) total += (await fs.lstat(p)).size;
  }
  return total;
}
