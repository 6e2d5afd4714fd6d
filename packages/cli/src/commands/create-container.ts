import { boolFlag, defineCommand, JSON_FLAG, listFlag, stringFlag } from '../command.js';
import { ID_MAP_FLAGS, idMapsFromFlags } from './id-map-flags.js';
import { metadataFromFlags } from './ic-read-input.js';
import { containerJSON } from './ic-record-json.js';

export default defineCommand({
  names: ['create-container', 'createcontainer'],
  usage: 'Create a new container from an image',
  optionsHelp: '[options [...]] parentImageNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: {
    name: listFlag(['-name', 'n'], 'Container name'),
    volatile: boolFlag(['-volatile'], 'Mark as volatile'),
    id: stringFlag(['-id', 'i'], 'Container ID'),
    metadata: stringFlag(['-metadata', 'm'], 'Metadata'),
    metadataFile: stringFlag(['-metadata-file', 'f'], 'Metadata File'),
    json: JSON_FLAG,
    ...ID_MAP_FLAGS,
  },
  async action({ store, args, flags, out }) {
    const metadata = await metadataFromFlags(flags);
    const { uidMap, gidMap } = await idMapsFromFlags(flags);
    const container = await store.createContainer({
      id: flags.id || undefined,
      names: flags.name,
      image: args[0]!,
      metadata,
      uidMap,
      gidMap,
      volatile: flags.volatile,
    });
    if (flags.json) out.json(containerJSON(container));
    // One line per name (HEAD); 1.43 printed "\t<name>" with no newlines at all.
    else out.out(`${container.id}\n${container.names.map((n) => `\t${n}\n`).join('')}`);
    return 0;
  },
});
