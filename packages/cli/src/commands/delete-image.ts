import { boolFlag, defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';

type Result = {
  'deleted-layers'?: string[];
  error?: string;
};

export default defineCommand({
  names: ['delete-image', 'deleteimage'],
  usage: 'Delete an image, with safety checks',
  optionsHelp: '[ImageNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG, test: boolFlag(['-test', 't'], 'Only test removal') },
  async action({ store, args, flags, out }) {
    // Keyed by the argument as typed (a Go map upstream: a repeated argument reports once).
    const results = new Map<string, Result>();
    for (const ref of args) {
      try {
        const layers = await store.deleteImage(ref, !flags.test);
        results.set(ref, layers.length > 0 ? { 'deleted-layers': layers } : {});
      } catch (err) {
        results.set(ref, { error: goErrorText(err) });
      }
    }
    if (flags.json) out.json(results);
    else {
      let text = '';
      for (const [ref, r] of results) {
        if (r.error !== undefined) text += `${ref}: ${r.error}\n`;
        else for (const layer of r['deleted-layers'] ?? []) text += `${ref}: ${layer}\n`;
      }
      out.err(text);
    }
    return [...results.values()].some((r) => r.error !== undefined) ? 1 : 0;
  },
});
