// Child processes without blocking the event loop: resolves with the exit code, never rejects on a
// non-zero exit (callers decide what a failure means); rejects only when the program cannot start.
import { spawn } from 'node:child_process';

export function run(cmd, args, { stdio = 'inherit', cwd, env, stdout, stderr } = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: stdio === 'pipe-to' ? ['ignore', 'pipe', 'pipe'] : stdio });
    if (stdio === 'pipe-to') {
      if (stdout) child.stdout.pipe(stdout);
      else child.stdout.resume();
      if (stderr) child.stderr.pipe(stderr);
      else child.stderr.resume();
    }
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal }));
  });
}

/** Runs a command and collects its stdout as text (stderr passes through). */
export function capture(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout: out }));
  });
}
