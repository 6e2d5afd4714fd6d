import type { CompressionName } from '@cs/store';
import { boolFlag, defineCommand, JSON_FLAG, stringFlag, type Command } from '../command.js';
import { applyDiffUsingStagingDir } from './applydiff-using-staging-dir.js';
import { goErrorText } from '../go-errors.js';
import { goQuoteBytes } from './go-quote-bytes.js';
import { openOutput } from './layer-data.js';
import { openInput, withProgress } from './layer-input.js';

const KIND_NAME = ['Modify', 'Add', 'Delete'];

export const changes = defineCommand({
  names: ['changes'],
  usage: 'Compare two layers',
  optionsHelp: '[options [...]] layerNameOrID [referenceLayerNameOrID]',
  minArgs: 1,
  maxArgs: 2,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const list = await store.changes(args[1] ?? null, args[0]!);
    if (flags.json) {
      out.json(list.length === 0 ? null : list.map((c) => ({ Path: c.path, Kind: c.kind })));
      return 0;
    }
    let text = '';
    for (const c of list) text += `${KIND_NAME[c.kind] ?? '?'} ${goQuoteBytes(c.rawPath ?? Buffer.from(c.path))}\n`;
    out.out(text);
    return 0;
  },
});

export const diffSize = defineCommand({
  names: ['diffsize', 'diff-size'],
  usage: 'Compare two layers',
  optionsHelp: '[options [...]] layerNameOrID [referenceLayerNameOrID]',
  minArgs: 1,
  maxArgs: 2,
  flags: {},
  async action({ store, args, out }) {
    out.out(`${await store.diffSize(args[1] ?? null, args[0]!)}\n`);
    return 0;
  },
});

/** The explicit compression flags win in the order xz > bzip2 > gzip > none; none given: the layer's own. */
function chosenCompression(f: { uncompressed: boolean; gzip: boolean; bzip2: boolean; xz: boolean }): CompressionName | undefined {
  if (f.xz) return 'xz';
  if (f.bzip2) return 'bzip2';
  if (f.gzip) return 'gzip';
  if (f.uncompressed) return 'none';
  return undefined;
}

export const diff = defineCommand({
  names: ['diff'],
  usage: 'Compare two layers',
  optionsHelp: '[options [...]] layerNameOrID [referenceLayerNameOrID]',
  minArgs: 1,
  maxArgs: 2,
  flags: {
    file: stringFlag(['-file', 'f'], 'Write to file instead of stdout'),
    uncompressed: boolFlag(['-uncompressed', 'u'], 'Use no compression'),
    gzip: boolFlag(['-gzip', 'c'], 'Compress using gzip'),
    bzip2: boolFlag(['-bzip2', '-bz2', 'b'], 'Compress using bzip2 (not currently supported)'),
    xz: boolFlag(['-xz', 'x'], 'Compress using xz (not currently supported)'),
  },
  async action({ store, args, flags, out }) {
    // The file is created before the layer is looked up (left empty on error), as upstream.
    const write = await openOutput(flags.file, out);
    const compression = chosenCompression(flags);
    const tar = await store.diff(args[1] ?? null, args[0]!, compression === undefined ? {} : { compression });
    await write(withProgress('diff', tar, out, false));
    return 0;
  },
});

export const applyDiff = defineCommand({
  names: ['applydiff', 'apply-diff'],
  usage: 'Apply a diff to a layer',
  optionsHelp: '[options [...]] layerNameOrID [referenceLayerNameOrID]',
  minArgs: 1,
  maxArgs: 1,
  flags: { file: stringFlag(['-file', 'f'], 'Read from file instead of stdin') },
  async action({ store, args, flags, out, log }) {
    const input = await openInput(flags.file);
    try {
      await store.applyDiff(args[0]!, withProgress('applydiff', input.stream, out, false, input.size));
    } catch (err) {
      // Upstream's driver also logs the failure at error level (cli.md §1.8).
      if (!isLookupError(err)) log.error(`While applying layer: ${goErrorText(err)}`);
      throw err;
    }
    return 0;
  },
});

function isLookupError(err: unknown): boolean {
  const code = (err as { code?: unknown }).code;
  return code === 'ERR_LAYER_UNKNOWN' || code === 'ERR_LAYER_ID_AMBIGUOUS';
}

export const diffCommands = [changes, diffSize, diff, applyDiff, applyDiffUsingStagingDir] as Command[];
