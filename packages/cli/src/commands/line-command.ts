import type { Store } from '@cs/store';
import { defineCommand, type Command } from '../command.js';

/** A one-line-answer command's names and help texts, and how many arguments it takes (exactly). */
export type LineCommandSpec = Pick<Command, 'names' | 'usage' | 'optionsHelp'> & { args: number };

/** A command without flags that prints what `answer` gives for its arguments, on one line. */
export function lineCommand(spec: LineCommandSpec, answer: (store: Store, args: string[]) => Promise<string | number>): Command {
  const { args: count, ...help } = spec;
  return defineCommand({
    ...help,
    minArgs: count,
    maxArgs: count,
    flags: {},
    async action({ store, args, out }) {
      out.out(`${await answer(store, args)}\n`);
      return 0;
    },
  }) as Command;
}
