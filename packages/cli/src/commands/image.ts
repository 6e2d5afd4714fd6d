import type { Image, Store } from '@cs/store';
import { defineCommand, JSON_FLAG } from '../command.js';
import { goErrorText } from '../go-errors.js';
import { findOrNull, IMAGE_UNKNOWN } from './ic-lookup.js';
import { imageJSON } from './ic-record-json.js';

async function describeImage(store: Store, image: Image): Promise<string> {
  let text = `ID: ${image.id}\n`;
  for (const name of image.names) text += `Name: ${name}\n`;
  text += `Top Layer: ${image.topLayer}\n`;
  for (const layer of image.mappedTopLayers) text += `Top Layer: ${layer}\n`;
  for (const digest of image.digests) text += `Digest: ${digest}\n`;
  for (const item of image.bigDataNames) text += `Data: ${item}\n`;
  try {
    text += `Size: ${await store.imageSize(image.id)}\n`;
  } catch (err) {
    text += `Size unknown: ${goErrorText(err)}\n`;
  }
  if (image.readOnly) text += 'Read Only: true\n';
  return text;
}

export default defineCommand({
  names: ['image'],
  usage: 'Examine an image',
  optionsHelp: '[options [...]] imageNameOrID [...]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const found: Image[] = [];
    let status = 0;
    for (const ref of args) {
      const image = await findOrNull(() => store.image(ref), IMAGE_UNKNOWN);
      // Unknown arguments show only in the exit status (upstream).
      if (image === null) status = 1;
      else {
        found.push(image);
        if (!flags.json) out.out(await describeImage(store, image));
      }
    }
    if (flags.json) out.json(found.map(imageJSON));
    return status;
  },
});
