import { spawn } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import path from 'node:path';
import type { Output } from './output.js';
import { USERNS_MARKER } from './rootless.js';

/** Node cannot enter a user namespace itself: util-linux `unshare` does it for us. */
export function findUnshareHelper(env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env['PATH'] ?? '/usr/bin:/bin').split(':')) {
    if (dir === '') continue;
    const candidate = path.join(dir, 'unshare');
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // next
    }
  }
  return null;
}

export const NO_HELPER_MESSAGE =
  'cannot enter a user namespace: the "unshare" program of util-linux was not found in $PATH (Node cannot create user namespaces itself)';

/**
 * Re-runs this CLI with the same arguments inside a new user and mount namespace where the
 * caller is root (upstream MaybeReexecUsingUserNamespace); the child has the marker set so it
 * does not re-exec again. Resolves to the exit status to use.
 */
export function reexecInUserNamespace(argv: readonly string[], io: Output, env: NodeJS.ProcessEnv): Promise<number> {
  const helper = findUnshareHelper(env);
  if (helper === null) {
    io.err(`${NO_HELPER_MESSAGE}\n`);
    return Promise.resolve(1);
  }
  const script = process.argv[1] ?? '';
  const child = spawn(helper, ['--user', '--mount', '--map-root-user', '--', process.execPath, script, ...argv], {
    stdio: 'inherit',
    env: { ...env, [USERNS_MARKER]: 'done' },
  });
  return new Promise((resolve) => {
    child.on('error', (err) => {
      io.err(`${NO_HELPER_MESSAGE}: ${err.message}\n`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + (osSignal(signal) ?? 0) : 1)));
  });
}

function osSignal(name: NodeJS.Signals): number | undefined {
  const table: Partial<Record<NodeJS.Signals, number>> = { SIGHUP: 1, SIGINT: 2, SIGQUIT: 3, SIGKILL: 9, SIGTERM: 15, SIGPIPE: 13 };
  return table[name];
}
