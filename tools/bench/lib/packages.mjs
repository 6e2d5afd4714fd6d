// `pnpm bench packages [filter]`: runs every package benchmark (packages/*/bench/*.mjs) one after the
// other, in its package dir. A failing package benchmark is reported and the next one runs.
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './proc.mjs';

export async function runPackageBenches(root, filter = '') {
  const packages = (await readdir(join(root, 'packages'))).sort();
  let ran = 0;
  for (const pkg of packages) {
    if (filter && !pkg.includes(filter)) continue;
    const dir = join(root, 'packages', pkg, 'bench');
    let files = [];
    try {
      files = (await readdir(dir)).filter((f) => f.endsWith('.mjs')).sort();
    } catch {
      continue;
    }
    for (const f of files) {
      console.log(`\n=== ${pkg}/bench/${f}`);
      const r = await run(process.execPath, [join(dir, f)], { stdio: 'inherit', cwd: join(root, 'packages', pkg) });
      if (r.code !== 0) console.log(`(benchmark ${pkg}/${f} exited with ${r.code ?? r.signal}; continuing)`);
      ran++;
    }
  }
  if (ran === 0) console.log('no package benchmarks matched');
  return ran;
}
