import { defineCommand, JSON_FLAG } from '../command.js';
import { deleteEach } from './delete-each.js';

export default defineCommand({
  names: ['delete-container', 'deletecontainer'],
  usage: 'Delete a container, with safety checks',
  optionsHelp: '[ContainerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    return deleteEach(args, (ref) => store.deleteContainer(ref), flags.json, out);
  },
});
