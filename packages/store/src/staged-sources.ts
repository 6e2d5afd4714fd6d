import { promises as fs } from 'node:fs';
import type { Image } from '@cs/images';

/** The layers upstream Store.Dedup starts from: every image's top layer and mapped top layers. */
export function imageTopLayers(images: readonly Image[]): string[] {
  const tops: string[] = [];
  for (const img of images) {
    if (img.topLayer !== '') tops.push(img.topLayer);
    tops.push(...img.mappedTopLayers);
  }
  return tops;
}

/**
 * The tree below `directory` as an uncompressed tarball (root entry left out, host IDs as they
 * are), started only when read. A missing directory fails here, with lstat's error.
 */
export async function directoryTar(directory: string): Promise<AsyncIterable<Uint8Array>> {
  const st = await fs.lstat(directory);
  if (!st.isDirectory()) {
    throw Object.assign(new Error(`lstat ${directory}: not a directory`), { code: 'ENOTDIR', path: directory });
  }
  return (async function* () {
    const { exportTree } = await import('@cs/archive');
    yield* exportTree(directory);
  })();
}
