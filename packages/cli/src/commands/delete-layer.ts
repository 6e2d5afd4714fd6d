import { defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';

export default defineCommand({
  names: ['delete-layer', 'deletelayer'],
  usage: 'Delete a layer, with safety checks',
  optionsHelp: '[LayerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    // Names and prefixes are resolved before the checks run (upstream skipped them for names: cli.md §1.10).
    const results = new Map<string, string>();
    let status = 0;
    for (const ref of args) {
      try {
        await store.deleteLayer(ref);
        results.set(ref, '');
      } catch (err) {
        status = 1;
        results.set(ref, goErrorText(err));
        if (!flags.json) out.err(`${ref}: ${goErrorText(err)}\n`);
      }
    }
    if (flags.json) out.json(results);
    return status;
  },
});
