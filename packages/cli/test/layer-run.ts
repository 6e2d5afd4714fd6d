import { spawn } from 'node:child_process';
import { CLI, type Result } from './helpers.js';

/**
 * Runs a binary with `input` on stdin and collects its output. A child that exits without
 * reading its stdin (a failing lookup, say) must not turn into an EPIPE in the test runner.
 */
export function runWithInput(file: string, args: readonly string[], input: string | Buffer = ''): Promise<Result> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.stdin.on('error', () => undefined);
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({ status: code ?? 128 + (signal === 'SIGKILL' ? 9 : 15), stdout: Buffer.concat(out).toString(), stderr: Buffer.concat(err).toString() }),
    );
    child.stdin.end(input);
  });
}

/** Our CLI (the built dist/cli.js). */
export const ours = (args: readonly string[], input?: string | Buffer): Promise<Result> => runWithInput(process.execPath, [CLI, ...args], input);
