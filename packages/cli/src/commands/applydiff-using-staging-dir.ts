import { defineCommand } from '../command.js';

/**
 * cli.md §3.28: DIRECTORY's tree becomes the whole content of LAYER through the driver's staging
 * area (overlay; `enable_partial_images` must be on). Upstream packs the tree as zstd:chunked and
 * reads it back through a chunked differ; here the tar stream goes straight into the staging
 * area (see the README), with the same layer content, records and errors.
 */
export const applyDiffUsingStagingDir = defineCommand({
  names: ['applydiff-using-staging-dir'],
  usage: 'Apply a directory to a layer using a staging directory',
  optionsHelp: '[options [...]] layerNameOrID directory',
  minArgs: 2,
  maxArgs: 2,
  flags: {},
  async action({ store, args }) {
    await store.applyDirectoryUsingStagingDir(args[0]!, args[1]!);
    return 0;
  },
});
