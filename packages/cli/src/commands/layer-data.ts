import { open } from 'node:fs/promises';
import { defineCommand, JSON_FLAG, stringFlag, type Command } from '../command.js';
import { ProcessOutput, stdoutStream, type Output } from '../output.js';
import { openInput } from './layer-input.js';

/**
 * Opens `-f FILE` (created/truncated now, before the data is looked up, as upstream) or stdout,
 * and returns the function that streams the data into it.
 */
export async function openOutput(file: string, out: Output): Promise<(src: AsyncIterable<Uint8Array>) => Promise<void>> {
  if (file === '') {
    // The real stdout gets async writes, so producing the next chunk overlaps the reader draining
    // the last one (about 20% faster through a pipe than blocking writes).
    if (out instanceof ProcessOutput) return async (src) => (await pipelineOf())(src, stdoutStream(), { end: false });
    return async (src) => {
      for await (const chunk of src) out.out(chunk);
    };
  }
  const handle = await open(file, 'w', 0o666);
  const sink = handle.createWriteStream();
  return async (src) => {
    await (await pipelineOf())(src, sink);
  };
}

/** node:stream/promises, loaded only by the commands that stream data out. */
async function pipelineOf(): Promise<typeof import('node:stream/promises').pipeline> {
  return (await import('node:stream/promises')).pipeline;
}

export const listLayerData = defineCommand({
  names: ['list-layer-data', 'listlayerdata'],
  usage: 'List data items that are attached to a layer',
  optionsHelp: '[options [...]] layerNameOrID',
  minArgs: 1,
  maxArgs: 1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const names = await store.layerBigDataNames(args[0]!);
    if (flags.json) out.json(names.length === 0 ? null : names);
    else out.out(names.map((n) => `${n}\n`).join(''));
    return 0;
  },
});

export const getLayerData = defineCommand({
  names: ['get-layer-data', 'getlayerdata'],
  usage: 'Get data that is attached to a layer',
  optionsHelp: '[options [...]] layerID dataName',
  minArgs: 2,
  maxArgs: 2,
  flags: { file: stringFlag(['-file', 'f'], 'Write data to file') },
  async action({ store, args, flags, out }) {
    const found = await store.layer(args[0]!);
    const write = await openOutput(flags.file, out);
    await write(await store.layerBigData(found.id, args[1]!));
    return 0;
  },
});

export const setLayerData = defineCommand({
  names: ['set-layer-data', 'setlayerdata'],
  usage: 'Set data that is attached to a layer',
  optionsHelp: '[options [...]] layerID dataName',
  minArgs: 2,
  maxArgs: 2,
  flags: { file: stringFlag(['-file', 'f'], 'Read data from file') },
  async action({ store, args, flags }) {
    const input = await openInput(flags.file);
    await store.setLayerBigData(args[0]!, args[1]!, input.stream);
    return 0;
  },
});

export const layerDataCommands = [listLayerData, getLayerData, setLayerData] as Command[];
