import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import '@cs/drivers-vfs';
import { openDriver, type Driver } from '@cs/drivers';
import { LayerStore } from '../src/index.js';

export const execFileP = promisify(execFile);

/**
 * The Go CLI, never our own: under `pnpm test` PATH starts with node_modules/.bin, where this
 * repository's CLI is linked under the same name. CS_GO_CLI overrides.
 */
function findGoCLI(): string | undefined {
  if (process.env.CS_GO_CLI) return process.env.CS_GO_CLI;
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir === '' || dir.includes('node_modules')) continue;
    const candidate = path.join(dir, 'containers-storage');
    if (existsSync(candidate)) return candidate;
  }
  return undefined;
}
const foundGoCLI = findGoCLI();
export const GO_CLI = foundGoCLI ?? 'containers-storage';
export const hasGoCLI = foundGoCLI !== undefined;
export const isRoot = process.getuid?.() === 0;
export const BENCH_DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
export const hasBenchData = existsSync(path.join(BENCH_DATA, 'base.tar'));

export interface Env {
  root: string;
  graphRoot: string;
  runRoot: string;
  driverName: string;
  driver: Driver;
  store: LayerStore;
  /** Runs the Go CLI against the same store; resolves to stdout. */
  go(...args: string[]): Promise<string>;
  reopen(opts?: { readOnly?: boolean }): Promise<LayerStore>;
  cleanup(): Promise<void>;
}

export async function makeEnv(driverName = 'vfs'): Promise<Env> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cs-layers-'));
  const graphRoot = path.join(root, 'graph');
  const runRoot = path.join(root, 'run');
  const driver = await openDriver(driverName, { graphRoot, runRoot });
  const extra: LayerStore[] = [];
  const store = await LayerStore.open({ driver, graphRoot, runRoot });
  return {
    root,
    graphRoot,
    runRoot,
    driverName,
    driver,
    store,
    async go(...args: string[]) {
      const { stdout } = await execFileP(GO_CLI, ['--graph', graphRoot, '--run', runRoot, '--storage-driver', driverName, ...args], {
        maxBuffer: 512 * 1024 * 1024,
        encoding: 'buffer',
      });
      return stdout.toString('latin1');
    },
    async reopen(opts = {}) {
      const s = await LayerStore.open({ driver, graphRoot, runRoot, readOnly: opts.readOnly });
      extra.push(s);
      return s;
    },
    async cleanup() {
      for (const s of extra) await s.close();
      await store.close();
      await driver.cleanup().catch(() => {});
      // The Go CLI leaves its own bind mount of the overlay home behind (until `shutdown`).
      for (let i = 0; i < 5; i++) {
        const stillMounted = await execFileP('mountpoint', ['-q', path.join(graphRoot, driverName)]).then(
          () => true,
          () => false,
        );
        if (!stillMounted) break;
        await execFileP('umount', ['-l', path.join(graphRoot, driverName)]).catch(() => {});
      }
      await rm(root, { recursive: true, force: true });
    },
  };
}

/** Builds an uncompressed tar of `files` (path → content, a trailing "/" makes a directory) with GNU tar. */
export async function makeTar(files: Record<string, string>, dir: string): Promise<Buffer> {
  const src = await mkdtemp(path.join(dir, 'tarsrc-'));
  for (const [name, content] of Object.entries(files)) {
    const full = path.join(src, name);
    if (name.endsWith('/')) await mkdir(full, { recursive: true });
    else {
      await mkdir(path.dirname(full), { recursive: true });
      await writeFile(full, content);
    }
  }
  const { stdout } = await execFileP('tar', ['-C', src, '--owner=0', '--group=0', '--numeric-owner', '-cf', '-', '.'], {
    encoding: 'buffer',
    maxBuffer: 64 * 1024 * 1024,
  });
  await rm(src, { recursive: true, force: true });
  return stdout;
}

export function sha256(data: Uint8Array): string {
  return 'sha256:' + createHash('sha256').update(data).digest('hex');
}

export async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  return Buffer.concat(chunks);
}

export async function* chunksOf(data: Uint8Array): AsyncIterable<Uint8Array> {
  for (let i = 0; i < data.length; i += 65536) yield data.subarray(i, i + 65536);
}
