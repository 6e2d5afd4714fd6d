import { defineCommand, JSON_FLAG, listFlag, stringFlag } from '../command.js';
import { metadataFromFlags } from './ic-read-input.js';
import { imageJSON } from './ic-record-json.js';

export default defineCommand({
  names: ['create-image', 'createimage'],
  usage: 'Create a new image using layers',
  optionsHelp: '[options [...]] topLayerNameOrID',
  minArgs: 0,
  maxArgs: 1,
  flags: {
    name: listFlag(['-name', 'n'], 'Image name'),
    id: stringFlag(['-id', 'i'], 'Image ID'),
    digest: stringFlag(['-digest', 'd'], 'Image Digest'),
    metadata: stringFlag(['-metadata', 'm'], 'Metadata'),
    metadataFile: stringFlag(['-metadata-file', 'f'], 'Metadata File'),
    json: JSON_FLAG,
  },
  async action({ store, args, flags, out }) {
    const metadata = await metadataFromFlags(flags);
    const image = await store.createImage({
      id: flags.id || undefined,
      names: flags.name,
      topLayer: args[0] ?? '',
      metadata,
      digest: flags.digest || undefined,
    });
    if (flags.json) out.json(imageJSON(image));
    else out.out(`${image.id}\n${image.names.map((n) => `\t${n}\n`).join('')}`);
    return 0;
  },
});

