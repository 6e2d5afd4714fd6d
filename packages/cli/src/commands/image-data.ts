import type { createHash as CreateHash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { defineCommand, JSON_FLAG, stringFlag, type Command } from '../command.js';
import { readFileOrStdin } from './ic-read-input.js';
import { lineCommand } from './line-command.js';

const ITEM_ARGS = '[options [...]] imageNameOrID dataName';

/** The CLI's "manifest digest": plain SHA-256 of the bytes (the upstream quirk of cli.md §3.36). */
function rawManifestDigest(createHash: typeof CreateHash, data: Uint8Array): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export const listImageData = defineCommand({
  names: ['list-image-data', 'listimagedata'],
  usage: 'List data items that are attached to an image',
  optionsHelp: '[options [...]] imageNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const image = await store.image(args[0]!);
    // Go encodes the nil list of an image without items as null.
    if (flags.json) out.json(image.bigDataNames.length > 0 ? image.bigDataNames : null);
    else out.out(image.bigDataNames.map((n) => `${n}\n`).join(''));
    return 0;
  },
});

export const getImageData = defineCommand({
  names: ['get-image-data', 'getimagedata'],
  usage: 'Get data that is attached to an image',
  optionsHelp: ITEM_ARGS,
  minArgs: 2,
  maxArgs: 2,
  flags: { file: stringFlag(['-file', 'f'], 'Write data to file') },
  async action({ store, args, flags, out }) {
    const image = await store.image(args[0]!);
    // Upstream creates (truncates) the output file before reading the item.
    const file = flags.file !== '' ? await open(flags.file, 'w', 0o666) : null;
    try {
      const data = await store.imageBigData(image.id, args[1]!);
      if (file) await file.writeFile(data);
      else out.out(data);
    } finally {
      await file?.close();
    }
    return 0;
  },
});

// Size and digest resolve the image first, as Go does.
export const getImageDataSize = lineCommand(
  { names: ['get-image-data-size', 'getimagedatasize'], usage: 'Get size of data that is attached to an image', optionsHelp: ITEM_ARGS, args: 2 },
  (store, [ref, key]) => store.image(ref!).then((image) => store.imageBigDataSize(image.id, key!)),
);

export const getImageDataDigest = lineCommand(
  { names: ['get-image-data-digest', 'getimagedatadigest'], usage: 'Get digest of data that is attached to an image', optionsHelp: ITEM_ARGS, args: 2 },
  (store, [ref, key]) => store.image(ref!).then((image) => store.imageBigDataDigest(image.id, key!)),
);

export const setImageData = defineCommand({
  names: ['set-image-data', 'setimagedata'],
  usage: 'Set data that is attached to an image (with sometimes wrong digest)',
  optionsHelp: ITEM_ARGS,
  minArgs: 2,
  maxArgs: 2,
  flags: { file: stringFlag(['-file', 'f'], 'Read data from file') },
  async action({ store, args, flags }) {
    // Resolved before the input is read, so an unknown image does not wait for stdin.
    const image = await store.image(args[0]!);
    const data = await readFileOrStdin(flags.file);
    // node:crypto is loaded here so that the command table does not load it at start.
    const { createHash } = await import('node:crypto');
    await store.setImageBigData(image.id, args[1]!, data, (bytes) => rawManifestDigest(createHash, bytes));
    return 0;
  },
});

export const imageDataCommands: Command[] = [listImageData, getImageData, getImageDataSize, getImageDataDigest, setImageData] as Command[];
