import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { test } from 'vitest';

const run = promisify(execFile);

/**
 * The Go oracle, by absolute path: under pnpm/vitest, node_modules/.bin comes first in PATH and
 * holds our own `containers-storage` (the @cs/cli bin), which must not be mistaken for Go's.
 */
export const GO_CLI = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';

/** Whether the Go oracle is installed (an ELF binary that answers `version`, not a script). */
export const haveGoCli = await isGoBinary();

async function isGoBinary(): Promise<boolean> {
  try {
    const head = Buffer.alloc(4);
    const fh = await fs.open(GO_CLI, 'r');
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
    if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return false;
    // `version` opens a store: give it a throw-away one, never the host's default store.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-go-probe-'));
    try {
      await run(GO_CLI, ['--graph', path.join(dir, 'root'), '--run', path.join(dir, 'run'), '--storage-driver', 'vfs', 'version']);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs the Go CLI with `args`; its stdout as bytes. A failure rejects with an Error that names
 * the command and carries `stderr` (text) and `exitCode`.
 */
async function execGo(args: readonly string[]): Promise<Buffer> {
  try {
    const { stdout } = await run(GO_CLI, args, { encoding: 'buffer', maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (err) {
    const e = err as { code?: number | string; stderr?: Buffer };
    const stderr = e.stderr?.toString() ?? '';
    throw Object.assign(new Error(`containers-storage ${args.join(' ')} failed (${e.code}): ${stderr}`, { cause: err }), {
      stderr,
      exitCode: e.code,
    });
  }
}

/** Runs the Go CLI against a graph root and run root with `driver`; its stdout as text. */
export async function goCli(graph: string, runRoot: string, driver: string, args: readonly string[]): Promise<string> {
  return (await execGo(['--graph', graph, '--run', runRoot, '--storage-driver', driver, ...args])).toString();
}

/** A throw-away graph root + run root driven by the Go CLI with the vfs driver. */
export async function goStore() {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-go-'));
  const graph = path.join(base, 'graph');
  const runRoot = path.join(base, 'run');
  const go = (...args: string[]): Promise<string> => goCli(graph, runRoot, 'vfs', args);
  const goBuffer = (...args: string[]): Promise<Buffer> => execGo(['--graph', graph, '--run', runRoot, '--storage-driver', 'vfs', ...args]);
  const cleanup = () => fs.rm(base, { recursive: true, force: true });
  return { base, graph, runRoot, go, goBuffer, cleanup };
}

export type GoStore = Awaited<ReturnType<typeof goStore>>;

/** `test` with a fixture `g`: a fresh goStore() for the test, removed after it. */
export const goStoreTest = test.extend<{ g: GoStore }>({
  // eslint-disable-next-line no-empty-pattern -- vitest reads the fixture's dependencies from this pattern
  g: async ({}, use) => {
    const g = await goStore();
    try {
      await use(g);
    } finally {
      await g.cleanup();
    }
  },
});

/**
 * '' when `fn` succeeds, else what it failed with: a Go CLI run's stderr (trimmed) or the
 * error's message. Used to check that our errors read as Go's.
 */
export async function failureText(fn: () => unknown): Promise<string> {
  try {
    await fn();
    return '';
  } catch (err) {
    const e = err as { stderr?: unknown; message?: unknown };
    return typeof e.stderr === 'string' ? e.stderr.trim() : String(e.message);
  }
}
