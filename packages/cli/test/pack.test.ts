import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runBinary } from './helpers.js';

const here = path.dirname(path.dirname(fileURLToPath(import.meta.url)));
const addon = path.join(here, '..', 'sys', 'build', 'Release', 'cs_sys.node');
if (!existsSync(addon)) console.warn(`skipping the packed-tarball test: ${addon} is not built`);

/**
 * The npx tarball: packed by scripts/pack.mjs, unpacked into an empty directory with only the
 * addon that its install script would compile (copied from the workspace build), no node_modules.
 */
describe.skipIf(!existsSync(addon))('packed tarball for npx', () => {
  let dir: string;
  let cli: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'cs-cli-pack-test-'));
    const tgz = execFileSync(process.execPath, [path.join(here, 'scripts', 'pack.mjs'), dir], { encoding: 'utf8' }).trim().split('\n').pop()!;
    execFileSync('tar', ['-xzf', tgz, '-C', dir]);
    cpSync(addon, path.join(dir, 'package', 'build', 'Release', 'cs_sys.node'));
    cli = path.join(dir, 'package', 'dist', 'cli.js');
  }, 120_000);
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no dependencies to install and ships the addon sources with an install script', () => {
    const pkg = JSON.parse(readFileSync(path.join(dir, 'package', 'package.json'), 'utf8')) as Record<string, unknown>;
    expect(pkg['dependencies']).toBeUndefined();
    expect(pkg['scripts']).toEqual({ install: 'node scripts/gyp.mjs rebuild' });
    expect(pkg['bin']).toEqual({ 'containers-storage': './dist/cli.js', cs: './dist/cli.js' });
    expect(readdirSync(path.join(dir, 'package', 'dist'))).toEqual(['cli.js']);
    expect(existsSync(path.join(dir, 'package', 'binding.gyp'))).toBe(true);
  });

  it('runs on its own, including commands that use worker threads', async () => {
    const store = ['-g', path.join(dir, 'root'), '-R', path.join(dir, 'run'), '-s', 'vfs'];
    expect((await runBinary(process.execPath, [cli, '--help'])).status).toBe(0);
    const tar = execFileSync('tar', ['-C', here, '-cf', '-', 'package.json']);
    const imported = await runBinary(process.execPath, [cli, ...store, 'import-layer'], { input: tar });
    expect(imported.stderr).toBe('');
    expect(imported.status).toBe(0);
    const id = imported.stdout.trim();
    const diff = await runBinary('sh', ['-c', `"${process.execPath}" "${cli}" ${store.join(' ')} diff ${id} | tar -tf -`]);
    expect(diff.stdout).toBe('package.json\n');
  });
});
