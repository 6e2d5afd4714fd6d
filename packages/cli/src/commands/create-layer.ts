import type { Layer } from '@cs/store';
import { boolFlag, defineCommand, JSON_FLAG, listFlag, stringFlag, type Command } from '../command.js';
import type { Output } from '../output.js';
import { ID_MAP_FLAGS, idMapsFromFlags } from './id-map-flags.js';
import { openInput, withProgress } from './layer-input.js';
import { layerToGo } from './layer-json.js';

const LAYER_FLAGS = {
  label: stringFlag(['-label', 'l'], 'Mount Label'),
  name: listFlag(['-name', 'n'], 'Layer name'),
  id: stringFlag(['-id', 'i'], 'Layer ID'),
  readonly: boolFlag(['-readonly', 'r'], 'Mark as read-only'),
  json: JSON_FLAG,
  ...ID_MAP_FLAGS,
};

/** The ID, then `⇥<name>` per name; or the Layer record as JSON. */
function printLayer(out: Output, layer: Layer, json: boolean): void {
  if (json) {
    out.json(layerToGo(layer));
    return;
  }
  out.out(`${layer.id}\n`);
  for (const n of layer.names) out.out(`\t${n}\n`);
}

export const createStorageLayer = defineCommand({
  names: ['create-storage-layer'],
  usage: 'Create a new layer only in the storage driver',
  optionsHelp: '[options [...]] [parentLayerNameOrID]',
  minArgs: 0,
  maxArgs: 1,
  flags: {
    label: LAYER_FLAGS.label,
    id: LAYER_FLAGS.id,
    readonly: LAYER_FLAGS.readonly,
    json: JSON_FLAG,
    ...ID_MAP_FLAGS,
  },
  async action({ store, args, flags, out }) {
    const maps = await idMapsFromFlags(flags);
    const id = await store.createStorageLayer({
      id: flags.id || undefined,
      parent: args[0] || undefined,
      readOnly: flags.readonly,
      mountLabel: flags.label || undefined,
      uidMap: maps.uidMap,
      gidMap: maps.gidMap,
    });
    if (flags.json) out.json(id);
    else out.out(`${id}\n`);
    return 0;
  },
});

export const createLayer = defineCommand({
  names: ['create-layer', 'createlayer'],
  usage: 'Create a new layer',
  optionsHelp: '[options [...]] [parentLayerNameOrID]',
  minArgs: 0,
  maxArgs: 1,
  flags: LAYER_FLAGS,
  async action({ store, args, flags, out }) {
    const maps = await idMapsFromFlags(flags);
    const layer = await store.createLayer({
      id: flags.id || undefined,
      names: flags.name,
      parent: args[0] || undefined,
      mountLabel: flags.label || undefined,
      writeable: !flags.readonly,
      uidMap: maps.uidMap,
      gidMap: maps.gidMap,
    });
    printLayer(out, layer, flags.json);
    return 0;
  },
});

export const importLayer = defineCommand({
  names: ['import-layer', 'importlayer'],
  usage: 'Import a new layer',
  optionsHelp: '[options [...]] [parentLayerNameOrID]',
  minArgs: 0,
  maxArgs: 1,
  flags: { ...LAYER_FLAGS, file: stringFlag(['-file', 'f'], 'Read from file instead of stdin') },
  async action({ store, args, flags, out }) {
    const maps = await idMapsFromFlags(flags);
    const input = await openInput(flags.file);
    const { layer } = await store.putLayer(
      {
        id: flags.id || undefined,
        names: flags.name,
        parent: args[0] || undefined,
        mountLabel: flags.label || undefined,
        writeable: !flags.readonly,
        uidMap: maps.uidMap,
        gidMap: maps.gidMap,
      },
      withProgress('import-layer', input.stream, out, flags.json, input.size),
    );
    printLayer(out, layer, flags.json);
    return 0;
  },
});

export const createCommands = [createStorageLayer, createLayer, importLayer] as Command[];
