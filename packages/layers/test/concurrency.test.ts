import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import '@cs/drivers-vfs';
import { openDriver, type Driver } from '@cs/drivers';
import { LayerStore } from '../src/index.js';
import { GO_CLI, execFileP, hasGoCLI } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/create-many.mjs', import.meta.url));
if (!hasGoCLI) console.warn('concurrency test skipped: the Go containers-storage CLI is not installed');

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d) => (err += d));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err}`))));
  });
}

describe.skipIf(!hasGoCLI)('4 of our processes and 4 Go CLIs creating layers at once', () => {
  let root = '';
  let driver: Driver | undefined;
  afterEach(async () => {
    await driver?.cleanup().catch(() => {});
    if (root) await rm(root, { recursive: true, force: true });
  });

  it('ends with all 200 layers visible to both and valid JSON', { timeout: 150_000 }, async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-layers-conc-'));
    const graphRoot = path.join(root, 'graph');
    const runRoot = path.join(root, 'run');
    const go = `${GO_CLI} --graph ${graphRoot} --run ${runRoot} --storage-driver vfs`;
    const workers: Promise<void>[] = [];
    for (let w = 0; w < 4; w++) {
      workers.push(run(process.execPath, [fixture, graphRoot, runRoot, 'vfs', '25', `node${w}`]));
      workers.push(run('sh', ['-c', `set -e; for i in $(seq 0 24); do ${go} create-layer -n go${w}-$i >/dev/null; done`]));
    }
    await Promise.all(workers);

    const text = await readFile(path.join(graphRoot, 'vfs-layers/layers.json'), 'utf8');
    const records = JSON.parse(text) as Array<{ id: string; names: string[]; flags?: unknown }>;
    expect(records).toHaveLength(200);
    expect(new Set(records.map((r) => r.id)).size).toBe(200);
    expect(records.every((r) => r.flags === undefined)).toBe(true);
    const names = records.flatMap((r) => r.names).sort();
    const expected = [0, 1, 2, 3].flatMap((w) => Array.from({ length: 25 }, (_, i) => [`go${w}-${i}`, `node${w}-${i}`])).flat().sort();
    expect(names).toEqual(expected);

    const { stdout } = await execFileP(GO_CLI, ['--graph', graphRoot, '--run', runRoot, '--storage-driver', 'vfs', 'layers', '--json'], {
      maxBuffer: 64 * 1024 * 1024,
    });
    expect((JSON.parse(stdout) as unknown[]).length).toBe(200);

    driver = await openDriver('vfs', { graphRoot, runRoot });
    const store = await LayerStore.open({ driver, graphRoot, runRoot });
    const ours = await store.layers();
    expect(ours).toHaveLength(200);
    for (const layer of ours) expect(existsSync(path.join(graphRoot, 'vfs/dir', layer.id))).toBe(true);
    await store.close();
  });
});
