import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
/**
 * The Go oracle, by absolute path: under pnpm/vitest, node_modules/.bin comes first in PATH and
 * holds our own `containers-storage` (the @cs/cli bin), which must not be mistaken for Go's.
 */
export const GO_CLI = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';

/** Whether the Go oracle is installed (an ELF binary, not a script); interop tests skip with a message otherwise. */
export async function haveGoCLI(): Promise<boolean> {
  try {
    const head = Buffer.alloc(4);
    const fh = await fs.open(GO_CLI, 'r');
    try {
      await fh.read(head, 0, 4, 0);
    } finally {
      await fh.close();
    }
    if (!head.equals(Buffer.from([0x7f, 0x45, 0x4c, 0x46]))) return false;
    await run(GO_CLI, ['version']);
    return true;
  } catch {
    return false;
  }
}

/** A throw-away graph root + run root driven by the Go CLI with the vfs driver. */
export async function goStore() {
  const base = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-go-'));
  const graph = path.join(base, 'graph');
  const runRoot = path.join(base, 'run');
  const go = async (...args: string[]): Promise<string> => {
    const { stdout } = await run(GO_CLI, ['--graph', graph, '--run', runRoot, '--storage-driver', 'vfs', ...args], {
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  const goBuffer = async (...args: string[]): Promise<Buffer> => {
    const { stdout } = await run(GO_CLI, ['--graph', graph, '--run', runRoot, '--storage-driver', 'vfs', ...args], {
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  };
  const cleanup = () => fs.rm(base, { recursive: true, force: true });
  return { base, graph, runRoot, go, goBuffer, cleanup };
}
