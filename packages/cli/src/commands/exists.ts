import type { Store } from '@cs/store';
import { boolFlag, defineCommand, JSON_FLAG } from '../command.js';

async function resolves(fn: () => Promise<unknown>): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch {
    return false;
  }
}

/** Whether `ref` passes the narrowing type flags (each given flag must hold). */
async function passesKinds(store: Store, ref: string, kinds: { layer: boolean; image: boolean; container: boolean }): Promise<boolean> {
  if (kinds.layer && !(await resolves(() => store.layer(ref)))) return false;
  if (kinds.image && !(await resolves(() => store.image(ref)))) return false;
  if (kinds.container && !(await resolves(() => store.container(ref)))) return false;
  return true;
}

export default defineCommand({
  names: ['exists'],
  usage: 'Check if a layer or image or container exists',
  optionsHelp: '[LayerOrImageOrContainerNameOrID [...]]',
  minArgs: 1,
  maxArgs: -1,
  flags: {
    quiet: boolFlag(['-quiet', 'q'], "Don't print names"),
    layer: boolFlag(['-layer', 'l'], 'Only succeed if the match is a layer'),
    image: boolFlag(['-image', 'i'], 'Only succeed if the match is an image'),
    container: boolFlag(['-container', 'c'], 'Only succeed if the match is a container'),
    json: JSON_FLAG,
  },
  async action({ store, args, flags, out }) {
    const found = new Map<string, boolean>();
    let status = 0;
    for (const ref of args) {
      const exists = await store.exists(ref);
      found.set(ref, exists);
      if (!exists || !(await passesKinds(store, ref, flags))) status = 1;
    }
    if (flags.json) out.json(found);
    else if (!flags.quiet) for (const [ref, exists] of found) out.out(`${ref}: ${exists}\n`);
    return status;
  },
});
