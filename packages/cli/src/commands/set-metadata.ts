import { readFile } from 'node:fs/promises';
import { CommandError, defineCommand, stringFlag } from '../command.js';

export default defineCommand({
  names: ['set-metadata', 'setmetadata'],
  usage: 'Set layer, image, or container metadata',
  optionsHelp: '[options [...]] layerOrImageOrContainerNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: {
    metadata: stringFlag(['-metadata', 'm'], 'Metadata'),
    metadataFile: stringFlag(['-metadata-file', 'f'], 'Metadata File'),
  },
  async action({ store, args, flags }) {
    // -f wins over -m; an empty -m cannot clear metadata (upstream).
    const value = flags.metadataFile !== '' ? await readFile(flags.metadataFile, 'utf8') : flags.metadata;
    if (value === '') throw new CommandError('no new metadata provided');
    await store.setMetadata(args[0]!, value);
    return 0;
  },
});
