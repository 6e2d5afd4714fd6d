#!/usr/bin/env node
// `pnpm bench`: runs every package benchmark (packages/*/bench/*.mjs) one after the other.
// Benchmarks report side-by-side figures (GNU tar, the Go CLI); they never fail the build.
// Usage: pnpm bench [filter]   e.g. `pnpm bench archive` runs only packages/archive/bench/*.
import { readdir } from 'node:fs/promises';
import { spawnSync } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const filter = process.argv[2] ?? '';
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
    const r = spawnSync(process.execPath, [join(dir, f)], { stdio: 'inherit', cwd: join(root, 'packages', pkg) });
    if (r.status !== 0) console.log(`(benchmark ${pkg}/${f} exited with ${r.status ?? r.signal}; continuing)`);
    ran++;
  }
}
if (ran === 0) console.log('no benchmarks matched');
