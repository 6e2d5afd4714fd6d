import { lstatSync, readdirSync } from 'node:fs';

/** Sum of st_size of non-directories below `dir`, each inode once (layer-diff.md §6.1). Runs on the apply worker. */
export function diskUsage(dir: string): number {
  const seen = new Set<bigint>();
  let total = 0;
  const walk = (d: Buffer): void => {
    for (const name of readdirSync(d, { encoding: 'buffer' })) {
      const p = Buffer.concat([d, Buffer.from('/'), name]);
      const st = lstatSync(p, { bigint: true });
      if (st.isDirectory()) {
        walk(p);
        continue;
      }
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
      total += Number(st.size);
    }
  };
  walk(Buffer.from(dir));
  return total;
}
