import { spawn } from 'node:child_process';
import { access } from 'node:fs/promises';

export const isRoot = process.geteuid?.() === 0;
/** The bench tars (base.tar, upper.tar, …), built by the bench tooling; suites that need them skip without. */
export const BENCH_DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';

export async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export async function hasBinary(name: string): Promise<boolean> {
  const res = await runCommand('/bin/sh', ['-c', `command -v ${name}`]);
  return res.code === 0;
}

/** Runs a program and collects its output; never rejects for a non-zero exit. */
export function runCommand(file: string, args: string[], opts: { cwd?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Whether a suite can run: each missing need is printed as `skipping <what>: <why>` (a suite
 * never skips silently). `benchData` lists the files it needs in BENCH_DATA.
 */
export async function checkRequirements(what: string, needs: { benchData?: readonly string[]; goCli?: boolean; root?: boolean }): Promise<boolean> {
  const missing: string[] = [];
  const data = needs.benchData ?? [];
  for (const name of data) {
    if (!(await exists(`${BENCH_DATA}/${name}`))) {
      missing.push(`no ${data.join('/')} in ${BENCH_DATA} (set CS_BENCH_DATA)`);
      break;
    }
  }
  if (needs.goCli) {
    const { haveGoCli, GO_CLI } = await import('./go-cli.js');
    if (!haveGoCli) missing.push(`the Go containers-storage CLI (${GO_CLI}; set CS_GO_CLI) is not installed`);
  }
  if (needs.root && !isRoot) missing.push('needs root');
  for (const why of missing) console.warn(`skipping ${what}: ${why}`);
  return missing.length === 0;
}
