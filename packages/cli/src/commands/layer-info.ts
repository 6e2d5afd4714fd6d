import type { Container, Image, Layer, Store } from '@cs/store';
import { boolFlag, CommandError, defineCommand, JSON_FLAG, type Command } from '../command.js';
import { goErrorText } from '../go-errors.js';
import { goList } from '../output.js';
import { layerToGo } from './layer-json.js';
import { renderTree } from './layer-tree.js';

/** Layers that exist for these references (unknown ones skipped); the status says whether all resolved. */
async function resolveLayers(store: Store, refs: readonly string[]): Promise<{ found: Layer[]; status: number }> {
  const found: Layer[] = [];
  for (const ref of refs) {
    try {
      found.push(await store.layer(ref));
    } catch {
      // Unknown references only show through the exit status (cli.md §2).
    }
  }
  return { found, status: found.length === refs.length ? 0 : 1 };
}

export const layer = defineCommand({
  names: ['layer'],
  usage: 'Examine a layer',
  optionsHelp: '[options [...]] layerNameOrID [...]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const { found, status } = await resolveLayers(store, args);
    if (flags.json) {
      out.json(found.map(layerToGo));
      return status;
    }
    for (const l of found) {
      out.out(`ID: ${l.id}\n`);
      for (const m of l.uidMap) out.out(`UID mapping: (container=${m.containerID}, host=${m.hostID}, size=${m.size})\n`);
      for (const m of l.gidMap) out.out(`GID mapping: (container=${m.containerID}, host=${m.hostID}, size=${m.size})\n`);
      if (l.parent !== '') out.out(`Parent: ${l.parent}\n`);
      for (const n of l.names) out.out(`Name: ${n}\n`);
      if (l.readOnly) out.out('Read Only: true\n');
    }
    return status;
  },
});

export const layerParentOwners = defineCommand({
  names: ['layer-parent-owners'],
  usage: 'Compute the set of unmapped parent UIDs and GIDs of the layer',
  optionsHelp: '[options [...]] layerNameOrID [...]',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const { found, status } = await resolveLayers(store, args);
    for (const l of found) {
      let owners: { uids: number[]; gids: number[] };
      try {
        owners = await store.layerParentOwners(l.id);
      } catch (err) {
        throw new CommandError(`LayerParentOwner: ${goErrorText(err)}`);
      }
      if (flags.json) {
        out.json({ ID: l.id, UIDs: owners.uids.length > 0 ? owners.uids : null, GIDs: owners.gids.length > 0 ? owners.gids : null });
        continue;
      }
      out.out(`ID: ${l.id}\n`);
      if (owners.uids.length > 0) out.out(`UIDs: ${goList(owners.uids)}\n`);
      if (owners.gids.length > 0) out.out(`GIDs: ${goList(owners.gids)}\n`);
    }
    return status;
  },
});

/** Who uses each layer: images by top or mapped top layer, containers by their layer. */
async function layerUsers(store: Store): Promise<{ images: Map<string, Image[]>; containers: Map<string, Container> }> {
  const images = new Map<string, Image[]>();
  const containers = new Map<string, Container>();
  // Errors listing images or containers are ignored, as upstream does.
  for (const img of await store.listImages().catch(() => [] as Image[])) {
    for (const id of [img.topLayer, ...img.mappedTopLayers]) {
      const list = images.get(id) ?? [];
      list.push(img);
      images.set(id, list);
    }
  }
  for (const c of await store.listContainers().catch(() => [] as Container[])) containers.set(c.layer, c);
  return { images, containers };
}

export const layers = defineCommand({
  names: ['layers'],
  usage: 'List layers',
  optionsHelp: '[options [...]]',
  minArgs: 0,
  maxArgs: 0,
  flags: {
    tree: boolFlag(['-tree', 't'], 'Use a tree'),
    quick: boolFlag(['-quick', 'q'], 'Only list layer IDs'),
    json: JSON_FLAG,
  },
  async action({ store, flags, out }) {
    const all = await store.layers();
    if (flags.json) {
      // HEAD prints null for an empty store (1.43 printed []).
      out.json(all.length === 0 ? null : all.map(layerToGo));
      return 0;
    }
    if (flags.quick && !flags.tree) {
      out.out(all.map((l) => `${l.id}\n`).join(''));
      return 0;
    }
    const users = await layerUsers(store);
    if (flags.tree) {
      const nodes = all.map((l) => {
        const notes = l.names.map((n) => `name: ${n}`);
        if (l.mountPoint !== '') notes.push(`mount: ${l.mountPoint}`);
        for (const img of users.images.get(l.id) ?? []) {
          notes.push(`image: ${img.id}`);
          for (const n of img.names) notes.push(`image name: ${n}`);
        }
        const ctr = users.containers.get(l.id);
        if (ctr) {
          notes.push(`container: ${ctr.id}`);
          for (const n of ctr.names) notes.push(`container name: ${n}`);
        }
        return { id: l.id, parent: l.parent, notes };
      });
      out.out(renderTree(nodes).map((line) => `${line}\n`).join(''));
      return 0;
    }
    let text = '';
    for (const l of all) {
      text += `${l.id}\n`;
      for (const n of l.names) text += `\tname: ${n}\n`;
      for (const img of users.images.get(l.id) ?? []) {
        text += `\timage: ${img.id}\n`;
        for (const n of img.names) text += `\t\tname: ${n}\n`;
      }
      const ctr = users.containers.get(l.id);
      if (ctr) {
        text += `\tcontainer: ${ctr.id}\n`;
        for (const n of ctr.names) text += `\t\tname: ${n}\n`;
      }
    }
    out.out(text);
    return 0;
  },
});

export const storageLayers = defineCommand({
  names: ['storage-layers'],
  usage: 'List layers known to the storage driver',
  optionsHelp: '[options [...]]',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG },
  async action({ store, flags, out }) {
    const ids = await store.storageLayers();
    if (flags.json) out.json(ids);
    else out.out(ids.map((id) => `${id}\n`).join(''));
    return 0;
  },
});

export const layerInfoCommands = [layer, layerParentOwners, layers, storageLayers] as Command[];
