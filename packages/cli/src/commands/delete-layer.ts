import { defineCommand, JSON_FLAG } from '../command.js';
import { deleteEach } from './delete-each.js';

export default defineCommand({
  names: ['delete-layer', 'deletelayer'],
  usage: 'Delete a layer, with safety checks',
  optionsHelp: '[LayerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    // Names and prefixes are resolved before the checks run (upstream skipped them for names: cli.md §1.10).
    return deleteEach(args, (ref) => store.deleteLayer(ref), flags.json, out);
  },
});
