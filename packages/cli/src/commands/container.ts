import type { Container, Store } from '@cs/store';
import { defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';
import { CONTAINER_UNKNOWN, findOrNull, IMAGE_UNKNOWN } from './ic-lookup.js';
import { containerJSON } from './ic-record-json.js';

async function describeContainer(store: Store, c: Container): Promise<string> {
  let text = `ID: ${c.id}\n`;
  for (const name of c.names) text += `Name: ${name}\n`;
  text += `Image: ${c.image}\n`;
  // Names of the image whose ID is the container's image ID.
  const image = c.image === '' ? null : await findOrNull(() => store.image(c.image), IMAGE_UNKNOWN);
  if (image !== null && image.id === c.image) for (const name of image.names) text += `Image name: ${name}\n`;
  try {
    text += `Size: ${await store.containerSize(c.id)}\n`;
  } catch (err) {
    text += `Size unknown: ${goErrorText(err)}\n`;
  }
  text += `Layer: ${c.layer}\n`;
  for (const item of c.bigDataNames) text += `Data: ${item}\n`;
  return text;
}

export default defineCommand({
  names: ['container'],
  usage: 'Examine a container',
  optionsHelp: '[options [...]] containerNameOrID [...]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const found: Container[] = [];
    let status = 0;
    for (const ref of args) {
      const c = await findOrNull(() => store.container(ref), CONTAINER_UNKNOWN);
      // Unknown arguments show only in the exit status (upstream).
      if (c === null) status = 1;
      else {
        found.push(c);
        if (!flags.json) out.out(await describeContainer(store, c));
      }
    }
    if (flags.json) out.json(found.map(containerJSON));
    return status;
  },
});
