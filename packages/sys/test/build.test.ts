import { spawnSync } from 'node:child_process';
import { cp, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeTempDir, removeDir, requireBinary } from './helpers.js';

const wrapper = fileURLToPath(new URL('../scripts/gyp.mjs', import.meta.url));

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
  await mkdir(join(dir, 'scripts'));
  await mkdir(join(dir, 'src'));
  await cp(wrapper, join(dir, 'scripts/gyp.mjs'));
  await writeFile(join(dir, 'package.json'), '{ "name": "broken-addon", "version": "0.0.0" }');
  await writeFile(join(dir, 'binding.gyp'), JSON.stringify({
    targets: [{ target_name: 'broken', sources: ['src/broken.c'], defines: ['NAPI_VERSION=8'] }],
  }));
});
afterEach(async () => {
  await removeDir(dir);
});

describe('the install script (scripts/gyp.mjs)', () => {
  it('fails loudly, with the compiler message and a non-zero exit, when the C code does not compile', async (ctx) => {
    requireBinary(ctx, 'node-gyp'); // pnpm/npm put their bundled node-gyp on PATH for scripts (pnpm test)
    await writeFile(join(dir, 'src/broken.c'), '#include <node_api.h>\nint main(void) { return this_is_not_declared; }\n');
    const result = spawnSync(process.execPath, [join(dir, 'scripts/gyp.mjs'), 'rebuild'], { cwd: dir, encoding: 'utf8' });
    const output = result.stdout + result.stderr;
    expect(result.status).not.toBe(0);
    expect(output).toContain('this_is_not_declared');
    expect(output).toContain('@cs/sys: native build failed');
    expect(output).not.toMatch(/download|connectivity/i); // headers came from the local Node prefix
  }, 60000);

  it('builds offline against the local Node headers when the code compiles', async (ctx) => {
    requireBinary(ctx, 'node-gyp');
    await writeFile(join(dir, 'src/broken.c'), [
      '#include <node_api.h>',
      'static napi_value init(napi_env env, napi_value exports) { return exports; }',
      'NAPI_MODULE(NODE_GYP_MODULE_NAME, init)',
    ].join('\n'));
    const result = spawnSync(process.execPath, [join(dir, 'scripts/gyp.mjs'), 'rebuild'], { cwd: dir, encoding: 'utf8' });
    expect(result.status, result.stdout + result.stderr).toBe(0);
    // the headers came from the Node installation running us (no download)
    expect(result.stdout + result.stderr).toContain(`-Dnode_root_dir=${dirname(dirname(process.execPath))}'`);
  }, 60000);

  it('says how to fix it when node-gyp cannot be found', () => {
    const env = { ...process.env, PATH: '/nonexistent', npm_config_node_gyp: '' };
    const result = spawnSync(process.execPath, [join(dir, 'scripts/gyp.mjs'), 'rebuild'], { cwd: dir, encoding: 'utf8', env });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('cannot run node-gyp');
  });
});
