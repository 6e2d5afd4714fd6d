import { CommandError, defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';
import type { Output } from '../output.js';

/** Key/value pairs: `<key>: <value>` lines on stderr, or a JSON array of pairs on stdout. */
export function printPairs(out: Output, pairs: Array<[string, string]>, json: boolean): void {
  if (json) out.json(pairs);
  else for (const [k, v] of pairs) out.err(`${k}: ${v}\n`);
}

export const status = defineCommand({
  names: ['status'],
  usage: 'Check on graph driver status',
  optionsHelp: '',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG },
  async action({ store, flags, out }) {
    let pairs: Array<[string, string]>;
    try {
      pairs = await store.status();
    } catch (err) {
      throw new CommandError(`status: ${goErrorText(err)}`);
    }
    printPairs(out, pairs, flags.json);
    return 0;
  },
});

export const version = defineCommand({
  names: ['version'],
  usage: 'Return containers-storage version information',
  optionsHelp: '',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG },
  async action({ store, flags, out }) {
    printPairs(out, store.version().filter(([, v]) => v !== ''), flags.json);
    return 0;
  },
});
