import type { Container } from '@cs/store';
import { CommandError, defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';
import { goList } from '../output.js';
import { CONTAINER_UNKNOWN, findOrNull } from './ic-lookup.js';

export default defineCommand({
  names: ['container-parent-owners'],
  usage: 'Compute the set of unmapped parent UIDs and GIDs of the container',
  optionsHelp: '[options [...]] containerNameOrID [...]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    // Every argument is looked up first; unknown ones only show in the exit status (upstream).
    const matched: Container[] = [];
    for (const ref of args) {
      const c = await findOrNull(() => store.container(ref), CONTAINER_UNKNOWN);
      if (c !== null) matched.push(c);
    }
    for (const c of matched) {
      let owners: { uids: number[]; gids: number[] };
      try {
        owners = await store.containerParentOwners(c.id);
      } catch (err) {
        // A failing owner computation (an unmounted mapped layer) stops the command.
        throw new CommandError(`ContainerParentOwner: ${goErrorText(err)}`);
      }
      const { uids, gids } = owners;
      if (flags.json) {
        // One object per line; Go encodes the nil slices of "nothing found" as null.
        out.json({ ID: c.id, UIDs: uids.length > 0 ? uids : null, GIDs: gids.length > 0 ? gids : null });
      } else out.out(`ID: ${c.id}\nUIDs: ${goList(uids)}\nGIDs: ${goList(gids)}\n`);
    }
    return matched.length === args.length ? 0 : 1;
  },
});
