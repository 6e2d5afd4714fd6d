import path from 'node:path';
import type { IDMap, Layer, Store } from '@cs/store';
import { CommandError, defineCommand, JSON_FLAG, stringFlag } from '../command.js';
import { goErrorText } from '../go-errors.js';
import type { Output } from '../output.js';
import type { OwnerMapping } from './ic-copy-tree.js';

/** Go strconv.ParseUint(s, 10, 32) with its error text. */
function parseUint32(s: string): number {
  if (!/^\d+$/.test(s)) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: invalid syntax`);
  const n = Number(s);
  if (n > 0xffffffff) throw new Error(`strconv.ParseUint: parsing ${JSON.stringify(s)}: value out of range`);
  return n;
}

/** `UID` or `UID:GID` (GID defaults to UID); HEAD's "bad UID: …" texts (1.43 printed "error \"x\" as a numeric UID"). */
export function parseChown(value: string): { uid: number; gid: number } | null {
  if (value === '') return null;
  const colon = value.indexOf(':');
  const uidText = colon < 0 ? value : value.slice(0, colon);
  const gidText = colon < 0 ? value : value.slice(colon + 1);
  let uid: number;
  try {
    uid = parseUint32(uidText);
  } catch (err) {
    throw new CommandError(`bad UID: ${(err as Error).message}`);
  }
  try {
    return { uid, gid: parseUint32(gidText) };
  } catch (err) {
    throw new CommandError(`bad GID: ${(err as Error).message}`);
  }
}

/** Where one side of the copy lives: a host path, or a path inside a mounted layer. */
interface Place {
  root: string;
  /** Path inside `root` ('/…'). */
  rel: string;
  /** The path as Go shows it in errors. */
  shown: string;
  uidMap: readonly IDMap[];
  gidMap: readonly IDMap[];
}

/** Mounts (and remembers for unmounting) the layer named before the first ':' of a spec. */
async function place(store: Store, spec: string, mounted: string[]): Promise<Place> {
  const colon = spec.indexOf(':');
  if (colon < 0) {
    const abs = path.resolve(spec);
    // Keep a trailing '/' (a file copied into a host directory keeps its name).
    return { root: '/', rel: spec.endsWith('/') && abs !== '/' ? `${abs}/` : abs, shown: spec, uidMap: [], gidMap: [] };
  }
  const ref = spec.slice(0, colon);
  let layer: Layer;
  try {
    layer = await store.layer(ref);
  } catch (err) {
    throw new CommandError(`error finding layer ${JSON.stringify(ref)}: ${goErrorText(err)}`);
  }
  let mountpoint: string;
  try {
    mountpoint = await store.mount(layer.id, { mountLabel: layer.mountLabel });
  } catch (err) {
    throw new CommandError(`error mounting layer ${JSON.stringify(layer.id)}: ${goErrorText(err)}`);
  }
  mounted.push(layer.id);
  // filepath.Join cleans the path: a trailing '/' is dropped, '..' cannot climb above the mount.
  const rel = path.posix.join('/', spec.slice(colon + 1)).replace(/(.)\/+$/, '$1');
  return { root: mountpoint, rel, shown: rel === '/' ? mountpoint : path.join(mountpoint, rel), uidMap: layer.uidMap, gidMap: layer.gidMap };
}

async function unmountAll(store: Store, ids: string[], out: Output): Promise<void> {
  for (const id of ids.reverse()) {
    try {
      await store.unmount(id, false);
    } catch (err) {
      out.err(`error unmounting layer ${JSON.stringify(id)}: ${goErrorText(err)}\n`);
    }
  }
}

export default defineCommand({
  names: ['copy'],
  usage: 'Copy files or directories into a layer, possibly from another layer',
  optionsHelp: '[options [...]] [sourceLayerNameOrID:]/path [...] targetLayerNameOrID:/path',
  minArgs: 2,
  maxArgs: -1,
  flags: { chown: stringFlag(['-chown', 'o'], 'Set owner on new copies'), json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const chown = parseChown(flags.chown);
    const mounted: string[] = [];
    // The copier (and the native @cs/sys it calls) is loaded only by this command.
    const { copyWithTar } = await import('./ic-copy-tree.js');
    try {
      const dest = await place(store, args[args.length - 1]!, mounted);
      for (const spec of args.slice(0, -1)) {
        const src = await place(store, spec, mounted);
        const owners: OwnerMapping = { sourceUIDs: src.uidMap, sourceGIDs: src.gidMap, chown, destUIDs: dest.uidMap, destGIDs: dest.gidMap };
        const srcPath = path.join(src.root, src.rel);
        try {
          await copyWithTar(srcPath, dest.root, dest.rel, owners);
        } catch (err) {
          throw new CommandError(`error copying ${JSON.stringify(src.shown === spec ? srcPath : src.shown)} to ${JSON.stringify(dest.root === '/' ? path.resolve(dest.rel) : dest.shown)}: ${goErrorText(err)}`);
        }
      }
    } finally {
      await unmountAll(store, mounted, out);
    }
    return 0;
  },
});
