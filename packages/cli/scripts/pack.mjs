#!/usr/bin/env node
// Packs a self-contained @cs/cli tarball for `npx`: every workspace library bundled into
// dist/cli.js, the @cs/sys addon's C sources shipped beside it and compiled by the install
// script (the bundled loader requires ../build/Release/cs_sys.node relative to dist/). No
// registry dependencies: tar-stream and smol-toml are bundled too.
// Usage: node scripts/pack.mjs [destination-dir]   (default: the package directory)
import { execFileSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'tsup';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const sysDir = path.join(here, '..', 'sys');
const dest = path.resolve(process.argv[2] ?? here);
const pkg = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8'));
const stage = mkdtempSync(path.join(os.tmpdir(), 'cs-cli-pack-'));
try {
  await build({
    entry: { cli: path.join(here, 'src/cli.ts') },
    outDir: path.join(stage, 'dist'),
    format: ['esm'],
    target: 'node20',
    platform: 'node',
    splitting: false,
    sourcemap: false,
    // Smaller source parses faster at every start; names kept for error classes.
    minify: true,
    keepNames: true,
    dts: false,
    clean: true,
    silent: true,
    config: false,
    noExternal: [/^@cs\//, 'tar-stream', 'smol-toml'],
    // Bundled CommonJS-style requires inside ESM need a real require.
    banner: { js: "import { createRequire as __csCreateRequire } from 'node:module'; const require = __csCreateRequire(import.meta.url);" },
  });
  cpSync(path.join(sysDir, 'binding.gyp'), path.join(stage, 'binding.gyp'));
  cpSync(path.join(sysDir, 'src', 'native'), path.join(stage, 'src', 'native'), { recursive: true });
  cpSync(path.join(sysDir, 'scripts', 'gyp.mjs'), path.join(stage, 'scripts', 'gyp.mjs'));
  for (const f of ['README.md']) cpSync(path.join(here, f), path.join(stage, f));
  const staged = {
    name: pkg.name,
    version: pkg.version,
    description: pkg.description,
    license: pkg.license,
    type: 'module',
    bin: pkg.bin,
    files: ['dist', 'binding.gyp', 'src/native', 'scripts'],
    engines: pkg.engines,
    os: ['linux'],
    scripts: { install: 'node scripts/gyp.mjs rebuild' },
  };
  writeFileSync(path.join(stage, 'package.json'), `${JSON.stringify(staged, null, 2)}\n`);
  const out = execFileSync('npm', ['pack', '--pack-destination', dest, '--silent'], { cwd: stage, encoding: 'utf8' }).trim();
  console.log(path.join(dest, out.split('\n').pop()));
} finally {
  rmSync(stage, { recursive: true, force: true });
}
