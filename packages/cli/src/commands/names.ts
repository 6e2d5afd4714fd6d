import type { Store } from '@cs/store';
import { defineCommand, JSON_FLAG, listFlag, type Command } from '../command.js';

export const getNames = defineCommand({
  names: ['get-names', 'getnames'],
  usage: 'Get layer, image, or container name or names',
  optionsHelp: '[options [...]] imageOrContainerNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const names = await store.names(args[0]!);
    if (flags.json) out.json(names);
    else for (const n of names) out.out(`${n}\n`);
    return 0;
  },
});

type NamesOp = (store: Store, ref: string, names: string[]) => Promise<string[]>;

/** add-names / set-names / remove-names: only the first argument is used (upstream). */
function namesCommand(names: readonly string[], usage: string, op: NamesOp) {
  return defineCommand({
    names,
    usage,
    optionsHelp: '[options [...]] imageOrContainerNameOrID',
    minArgs: 1,
    maxArgs: -1,
    flags: { name: listFlag(['-name', 'n'], 'New name'), json: JSON_FLAG },
    async action({ store, args, flags, out }) {
      const result = await op(store, args[0]!, flags.name);
      if (flags.json) out.json(result);
      return 0;
    },
  });
}

export const addNames = namesCommand(['add-names', 'addnames'], 'Add layer, image, or container name or names', (s, r, n) => s.addNames(r, n));
export const removeNames = namesCommand(['remove-names', 'removenames'], 'Remove layer, image, or container name or names', (s, r, n) =>
  s.removeNames(r, n),
);
export const setNames = namesCommand(['set-names', 'setnames'], 'Set layer, image, or container name or names', (s, r, n) => s.setNames(r, n));

export const namesCommands: Command[] = [getNames, addNames, removeNames, setNames] as Command[];
