import { open } from 'node:fs/promises';
import { defineCommand, JSON_FLAG, stringFlag, type Command } from '../command.js';
import { readFileOrStdin } from './ic-read-input.js';
import { lineCommand } from './line-command.js';

const ITEM_ARGS = '[options [...]] containerNameOrID dataName';

export const listContainerData = defineCommand({
  names: ['list-container-data', 'listcontainerdata'],
  usage: 'List data items that are attached to an container',
  optionsHelp: '[options [...]] containerNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const names = await store.containerBigDataNames(args[0]!);
    // Go encodes the nil list of a container without items as null.
    if (flags.json) out.json(names.length > 0 ? names : null);
    else out.out(names.map((n) => `${n}\n`).join(''));
    return 0;
  },
});

export const getContainerData = defineCommand({
  names: ['get-container-data', 'getcontainerdata'],
  usage: 'Get data that is attached to an container',
  optionsHelp: ITEM_ARGS,
  minArgs: 2,
  maxArgs: 2,
  flags: { file: stringFlag(['-file', 'f'], 'Write data to file') },
  async action({ store, args, flags, out }) {
    const container = await store.container(args[0]!);
    // Upstream creates (truncates) the output file before reading the item.
    const file = flags.file !== '' ? await open(flags.file, 'w', 0o666) : null;
    try {
      const data = await store.containerBigData(container.id, args[1]!);
      if (file) await file.writeFile(data);
      else out.out(data);
    } finally {
      await file?.close();
    }
    return 0;
  },
});

// Size and digest resolve the container first, as Go does.
export const getContainerDataSize = lineCommand(
  { names: ['get-container-data-size', 'getcontainerdatasize'], usage: 'Get size of data that is attached to an container', optionsHelp: ITEM_ARGS, args: 2 },
  (store, [ref, key]) => store.container(ref!).then((c) => store.containerBigDataSize(c.id, key!)),
);

export const getContainerDataDigest = lineCommand(
  { names: ['get-container-data-digest', 'getcontainerdatadigest'], usage: 'Get digest of data that is attached to an container', optionsHelp: ITEM_ARGS, args: 2 },
  (store, [ref, key]) => store.container(ref!).then((c) => store.containerBigDataDigest(c.id, key!)),
);

export const setContainerData = defineCommand({
  names: ['set-container-data', 'setcontainerdata'],
  usage: 'Set data that is attached to an container',
  optionsHelp: ITEM_ARGS,
  minArgs: 2,
  maxArgs: 2,
  flags: { file: stringFlag(['-file', 'f'], 'Read data from file') },
  async action({ store, args, flags }) {
    // Resolved before the input is read, so an unknown container does not wait for stdin.
    const container = await store.container(args[0]!);
    const data = await readFileOrStdin(flags.file);
    await store.setContainerBigData(container.id, args[1]!, data);
    return 0;
  },
});

export const getContainerDir = lineCommand(
  { names: ['get-container-dir', 'getcontainerdir'], usage: "Find the container's associated data directory", optionsHelp: '[options [...]] containerNameOrID', args: 1 },
  (store, [ref]) => store.containerDirectory(ref!),
);

export const getContainerRunDir = lineCommand(
  { names: ['get-container-run-dir', 'getcontainerrundir'], usage: "Find the container's associated runtime directory", optionsHelp: '[options [...]] containerNameOrID', args: 1 },
  (store, [ref]) => store.containerRunDirectory(ref!),
);

export const containerDataCommands: Command[] = [
  listContainerData,
  getContainerData,
  getContainerDataSize,
  getContainerDataDigest,
  setContainerData,
  getContainerDir,
  getContainerRunDir,
] as Command[];
