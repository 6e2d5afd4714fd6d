import { defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';

export default defineCommand({
  names: ['delete-container', 'deletecontainer'],
  usage: 'Delete a container, with safety checks',
  optionsHelp: '[ContainerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const results = new Map<string, string>();
    for (const ref of args) {
      try {
        await store.deleteContainer(ref);
        results.set(ref, '');
      } catch (err) {
        results.set(ref, goErrorText(err));
      }
    }
    if (flags.json) out.json(results);
    else {
      let text = '';
      for (const [ref, error] of results) if (error !== '') text += `${ref}: ${error}\n`;
      out.err(text);
    }
    return [...results.values()].some((e) => e !== '') ? 1 : 0;
  },
});
