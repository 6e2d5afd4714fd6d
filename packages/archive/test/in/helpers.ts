import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';

export const BENCH = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
export const hasBench = existsSync(join(BENCH, 'base.tar'));
export const isRoot = process.geteuid?.() === 0;

export function hasBinary(bin: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${bin}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** A fresh temp dir; `cleanup()` removes every dir made so far (call it in afterEach). */
export function tempDirs(): { make(prefix?: string): Promise<string>; cleanup(): Promise<void> } {
  const made: string[] = [];
  return {
    async make(prefix = 'cs-archive-in-') {
      const d = await mkdtemp(join(tmpdir(), prefix));
      made.push(d);
      return d;
    },
    async cleanup() {
      for (const d of made.splice(0)) await rm(d, { recursive: true, force: true });
    },
  };
}

export function skipNote(cond: boolean, why: string): boolean {
  if (!cond) console.warn(`SKIPPED: ${why}`);
  return !cond;
}
