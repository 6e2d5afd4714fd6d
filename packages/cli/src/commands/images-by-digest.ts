import { boolFlag, defineCommand, JSON_FLAG } from '../command.js';
import { validateDigest } from './ic-digest-validation.js';
import { imagesJSON, printImageList } from './image-listing.js';

export default defineCommand({
  names: ['images-by-digest'],
  usage: 'List images by digest',
  optionsHelp: '[options [...]] DIGEST',
  minArgs: 1,
  maxArgs: 1,
  flags: { json: JSON_FLAG, quiet: boolFlag(['-quiet', 'q'], 'Only print IDs') },
  async action({ store, args, flags, out }) {
    const digest = args[0]!;
    // HEAD prints the validation error alone (1.43 prefixed "<arg>: ").
    validateDigest(digest);
    const images = await store.imagesByDigest(digest);
    if (flags.json) out.json(imagesJSON(images, false));
    else printImageList(out, images, flags.quiet);
    return 0;
  },
});
