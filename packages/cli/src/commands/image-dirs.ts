import { defineCommand, type Command } from '../command.js';

/*
 * Upstream uses the word as typed for the directory name and never fails (cli.md §3.37, an
 * upstream bug): we resolve the image first, so a name or prefix gives the image's directory
 * and an unknown word is an error instead of a stray directory.
 */

export const getImageDir = defineCommand({
  names: ['get-image-dir', 'getimagedir'],
  usage: "Find the image's associated data directory",
  optionsHelp: '[options [...]] imageNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: {},
  async action({ store, args, out }) {
    const image = await store.image(args[0]!);
    out.out(`${await store.imageDirectory(image.id)}\n`);
    return 0;
  },
});

export const getImageRunDir = defineCommand({
  names: ['get-image-run-dir', 'getimagerundir'],
  usage: "Find the image's associated runtime directory",
  optionsHelp: '[options [...]] imageNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: {},
  async action({ store, args, out }) {
    const image = await store.image(args[0]!);
    out.out(`${await store.imageRunDirectory(image.id)}\n`);
    return 0;
  },
});

export const imageDirCommands: Command[] = [getImageDir, getImageRunDir] as Command[];
