import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/** Sum of st_size of non-directories below `dir`, each inode once (layer-diff.md §6.1). */
export async function diskUsage(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = async (d: Buffer): Promise<void> => {
    for (const name of await readdir(d, { encoding: 'buffer' })) {
      const p = Buffer.concat([d, Buffer.from('/'), name]);
      const st = await lstat(p, { bigint: true });
      if (st.isDirectory()) {
        await walk(p);
        continue;
      }
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
      total += Number(st.size);
    }
  };
  await walk(Buffer.from(join(dir)));
  return total;
}
