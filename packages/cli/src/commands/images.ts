import { boolFlag, defineCommand, JSON_FLAG } from '../command.js';
import { imagesJSON, printImageList } from './image-listing.js';

export default defineCommand({
  names: ['images'],
  usage: 'List images',
  optionsHelp: '[options [...]]',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG, quiet: boolFlag(['-quiet', 'q'], 'Only print IDs') },
  async action({ store, flags, out }) {
    const images = await store.listImages();
    // Upstream encodes the store's nil slice: `null` for an empty store (HEAD and 1.43).
    if (flags.json) out.json(imagesJSON(images, true));
    else printImageList(out, images, flags.quiet);
    return 0;
  },
});
