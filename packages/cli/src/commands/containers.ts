import { defineCommand, JSON_FLAG } from '../command.js';
import { containerJSON } from './ic-record-json.js';

export default defineCommand({
  names: ['containers'],
  usage: 'List containers',
  optionsHelp: '[options [...]]',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG },
  async action({ store, flags, out }) {
    const containers = await store.listContainers();
    if (flags.json) out.json(containers.map(containerJSON));
    else {
      let text = '';
      for (const c of containers) {
        text += `${c.id}\n`;
        for (const name of c.names) text += `\tname: ${name}\n`;
        for (const item of c.bigDataNames) text += `\tdata: ${item}\n`;
      }
      out.out(text);
    }
    return 0;
  },
});
