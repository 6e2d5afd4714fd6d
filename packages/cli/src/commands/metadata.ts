import { boolFlag, defineCommand, JSON_FLAG } from '../command.js';

export default defineCommand({
  names: ['metadata'],
  usage: 'Retrieve layer, image, or container metadata',
  optionsHelp: '[LayerOrImageOrContainerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { quiet: boolFlag(['-quiet', 'q'], 'Omit names and IDs'), json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const found = new Map<string, string>();
    let status = 0;
    for (const ref of args) {
      let text: string | null = null;
      if (await store.exists(ref)) text = (await store.metadata(ref)).replace(/\n$/, '');
      if (text === null) status = 1;
      else found.set(ref, text);
      if (!flags.json) out.out(flags.quiet ? `${text ?? ''}\n` : `${ref}: ${text ?? ''}\n`);
    }
    if (flags.json) out.json(found);
    return status;
  },
});
