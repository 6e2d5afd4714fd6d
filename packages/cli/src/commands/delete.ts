import { defineCommand, JSON_FLAG } from '../command.js';
import { deleteEach } from './delete-each.js';

export default defineCommand({
  names: ['delete'],
  usage: 'Delete a layer or image or container, with no safety checks',
  optionsHelp: '[LayerOrImageOrContainerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    return deleteEach(args, (ref) => store.delete(ref), flags.json, out);
  },
});
