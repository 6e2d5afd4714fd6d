import type { Store } from '@cs/store';
import { boolFlag, defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';
import type { Output } from '../output.js';

/**
 * Runs a whole-store operation with upstream's reporting: success prints nothing (JSON `""`);
 * failure prints `<name>: <error>` on stderr, or `{}` on stdout in JSON mode; status 1.
 */
async function report(out: Output, name: string, json: boolean, op: () => Promise<unknown>): Promise<number> {
  try {
    await op();
  } catch (err) {
    if (json) out.json({});
    else out.err(`${name}: ${goErrorText(err)}\n`);
    return 1;
  }
  if (json) out.json('');
  return 0;
}

export const wipe = defineCommand({
  names: ['wipe'],
  usage: 'Wipe all layers, images, and containers',
  optionsHelp: '',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG },
  action: ({ store, flags, out }) => report(out, 'wipe', flags.json, () => store.wipe()),
});

export const shutdown = defineCommand({
  names: ['shutdown'],
  usage: 'Shut down layer storage',
  optionsHelp: '',
  minArgs: 0,
  maxArgs: 0,
  flags: { force: boolFlag(['-force', 'f'], 'Unmount mounted layers first'), json: JSON_FLAG },
  action: ({ store, flags, out }) => report(out, 'shutdown', flags.json, () => store.shutdown(flags.force)),
});

/** The deferred force shutdown of check and gc: a failure is reported, the status stays. */
export async function deferredShutdown(store: Store, out: Output): Promise<void> {
  try {
    await store.shutdown(true);
  } catch (err) {
    out.err(`shutdown: ${goErrorText(err)}\n`);
  }
}

export const gc = defineCommand({
  names: ['gc'],
  usage: 'Remove unreferenced files and directories left over by failed operations',
  optionsHelp: '',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG },
  async action({ store, flags, out }) {
    const { garbageCollect } = await import('@cs/store');
    try {
      await garbageCollect(store);
    } finally {
      await deferredShutdown(store, out);
    }
    if (flags.json) out.json('');
    return 0;
  },
});
