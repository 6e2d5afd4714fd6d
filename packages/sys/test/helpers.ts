import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface Skippable {
  skip(condition: boolean, note?: string): void;
}

export const isRoot = process.getuid?.() === 0;

/** Skips the test, loudly, unless we run as root (mount, mknod of devices, trusted.* xattrs). */
export function requireRoot(ctx: Skippable): void {
  if (!isRoot) console.warn('[@cs/sys] skipping: this test needs root');
  ctx.skip(!isRoot, 'needs root');
}

export function hasBinary(name: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${name}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Skips the test, loudly, when a helper binary is missing. */
export function requireBinary(ctx: Skippable, name: string): void {
  const missing = !hasBinary(name);
  if (missing) console.warn(`[@cs/sys] skipping: this test needs the '${name}' binary`);
  ctx.skip(missing, `needs ${name}`);
}

/** A fresh temp dir; remove it with the returned cleanup. */
export async function makeTempDir(prefix = 'cs-sys-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeDir(dir: string | undefined): Promise<void> {
  if (dir) await rm(dir, { recursive: true, force: true });
}

/** Asserts that `p` rejects with a SysError-shaped error and returns it. */
export async function rejection(p: Promise<unknown>): Promise<NodeJS.ErrnoException & { dest?: string }> {
  try {
    await p;
  } catch (err) {
    return err as NodeJS.ErrnoException & { dest?: string };
  }
  throw new Error('expected the promise to reject');
}

export function thrown(fn: () => unknown): NodeJS.ErrnoException & { dest?: string } {
  try {
    fn();
  } catch (err) {
    return err as NodeJS.ErrnoException & { dest?: string };
  }
  throw new Error('expected the call to throw');
}
