import { spawn, spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

export interface Result {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs a command line (`node dist/cli.js …` or another binary) and collects its output. */
export function runBinary(file: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { env: opts.env ?? process.env, cwd: opts.cwd });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ status: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    // A child may exit without reading its stdin (usage errors): that EPIPE is not a test failure.
    child.stdin.on('error', () => {});
    child.stdin.end(opts.input ?? '');
  });
}

export function cs(args: readonly string[], opts: { env?: NodeJS.ProcessEnv; input?: string | Buffer; cwd?: string } = {}): Promise<Result> {
  return runBinary(process.execPath, [CLI, ...args], opts);
}

export const GO_CLI = '/usr/bin/containers-storage';
export const haveGo = existsSync(GO_CLI);
export const isRoot = process.geteuid?.() === 0;

/** overlay needs root and a kernel that mounts it in a temp dir. */
export const overlayWorks = ((): boolean => {
  if (!isRoot) return false;
  try {
    return readFileSync('/proc/filesystems', 'utf8').includes('overlay');
  } catch {
    return false;
  }
})();

export interface TempStore {
  dir: string;
  graph: string;
  run: string;
  driver: string;
  /** Global options selecting this store, to put before the command. */
  flags: string[];
  cleanup(): Promise<void>;
}

/** A fresh store under os.tmpdir(); cleanup shuts overlay down (unmounting) and removes it. */
export async function tempStore(driver: string): Promise<TempStore> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-cli-'));
  const graph = path.join(dir, 'root');
  const run = path.join(dir, 'run');
  const flags = ['--graph', graph, '--run', run, '--storage-driver', driver];
  return {
    dir,
    graph,
    run,
    driver,
    flags,
    async cleanup() {
      await cs([...flags, 'shutdown', '-f']).catch(() => undefined);
      unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Lazily unmounts anything still mounted below `dir` (deepest first). */
export function unmountUnder(dir: string): void {
  const mounts = readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m): m is string => m !== undefined && (m === dir || m.startsWith(`${dir}/`)))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) spawnSync('umount', ['-l', m]);
}

export const DRIVERS: string[] = overlayWorks ? ['vfs', 'overlay'] : ['vfs'];
if (!overlayWorks) console.warn('skipping overlay variants: needs root and overlayfs');
