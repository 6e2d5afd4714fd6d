#!/usr/bin/env node
// Runs node-gyp with the local Node headers, so the addon builds offline.
// pnpm 12 passes no user-level nodedir and turbo strips npm_config_* variables,
// so without this node-gyp would try to download headers and fail.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);

const nodePrefix = dirname(dirname(process.execPath));
const hasNodedirArg = args.some((a) => a.startsWith('--nodedir'));
if (!hasNodedirArg && !process.env.npm_config_nodedir && existsSync(join(nodePrefix, 'include/node/common.gypi'))) {
  args.push(`--nodedir=${nodePrefix}`);
}

function findNodeGyp() {
  try {
    const script = createRequire(join(packageDir, 'package.json')).resolve('node-gyp/bin/node-gyp.js');
    return { command: process.execPath, prefix: [script] };
  } catch {
    // not a dependency: fall through
  }
  const fromNpm = process.env.npm_config_node_gyp;
  if (fromNpm && existsSync(fromNpm)) return { command: process.execPath, prefix: [fromNpm] };
  return { command: 'node-gyp', prefix: [] };
}

const { command, prefix } = findNodeGyp();
const result = spawnSync(command, [...prefix, ...args], { cwd: packageDir, stdio: 'inherit' });
if (result.error) {
  console.error(`@cs/sys: cannot run node-gyp (${command}): ${result.error.message}`);
  console.error('@cs/sys: run this through pnpm or npm (they put their bundled node-gyp on PATH), or add node-gyp as a dependency');
  process.exit(1);
}
if (result.status !== 0) {
  console.error(`@cs/sys: native build failed (node-gyp ${args.join(' ')} exited with ${result.status ?? result.signal})`);
  process.exit(result.status || 1);
}
