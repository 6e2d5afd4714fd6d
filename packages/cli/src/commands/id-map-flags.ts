import { readFile } from 'node:fs/promises';
import type { IDMap } from '@cs/store';
import { boolFlag, CommandError, stringFlag } from '../command.js';

/** The ID-map flags of create-storage-layer, create-layer and import-layer (cli.md §2, §3.15). */
export const ID_MAP_FLAGS = {
  hostUIDMap: boolFlag(['-hostuidmap'], 'Force host UID map'),
  hostGIDMap: boolFlag(['-hostgidmap'], 'Force host GID map'),
  uidMap: stringFlag(['-uidmap'], 'UID map'),
  gidMap: stringFlag(['-gidmap'], 'GID map'),
  subUIDMap: stringFlag(['-subuidmap'], 'subuid UID map for a user'),
  subGIDMap: stringFlag(['-subgidmap'], 'subgid GID map for a group'),
};

export interface IDMapFlagValues {
  hostUIDMap: boolean;
  hostGIDMap: boolean;
  uidMap: string;
  gidMap: string;
  subUIDMap: string;
  subGIDMap: string;
}

/** undefined: use the store's default maps; []: host (identity) mapping. */
export interface LayerIDMaps {
  uidMap: IDMap[] | undefined;
  gidMap: IDMap[] | undefined;
}

export const SUBUID_FILE = '/etc/subuid';
export const SUBGID_FILE = '/etc/subgid';

/** Ranges of `name` in a subuid/subgid file, numbered from container ID 0 upwards (upstream createIDMap). */
async function subIDMaps(file: string, name: string, kind: 'user' | 'group', what: 'subuid' | 'subgid'): Promise<IDMap[]> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const maps: IDMap[] = [];
  let next = 0;
  for (const line of text.split('\n')) {
    const [owner, start, count] = line.trim().split(':');
    if (owner !== name || start === undefined || count === undefined) continue;
    if (!/^\d+$/.test(start) || !/^\d+$/.test(count)) continue;
    maps.push({ containerID: next, hostID: Number(start), size: Number(count) });
    next += Number(count);
  }
  if (maps.length === 0) throw new CommandError(`no ${what} ranges found for ${kind} ${JSON.stringify(name)} in ${file}`);
  return maps;
}

/** Builds the layer's ID maps from the flags in upstream's order: sub-ID ranges, then --uidmap/--gidmap triples. */
export async function idMapsFromFlags(f: IDMapFlagValues, files = { subuid: SUBUID_FILE, subgid: SUBGID_FILE }): Promise<LayerIDMaps> {
  let uids: IDMap[] = [];
  let gids: IDMap[] = [];
  if (f.subUIDMap !== '' || f.subGIDMap !== '') {
    // One of them alone is used for both (cli.md §3.15).
    const user = f.subUIDMap || f.subGIDMap;
    const group = f.subGIDMap || f.subUIDMap;
    uids = await subIDMaps(files.subuid, user, 'user', 'subuid');
    gids = await subIDMaps(files.subgid, group, 'group', 'subgid');
  }
  // Loaded here, not at the top: the command table must not pull in the store library.
  const { parseIDMapString } = await import('@cs/store');
  try {
    uids = [...uids, ...parseIDMapString(f.uidMap, 'uid')];
    gids = [...gids, ...parseIDMapString(f.gidMap, 'gid')];
  } catch (err) {
    throw new CommandError(`initializing ID mappings: ${(err as Error).message}`);
  }
  if (uids.length > 0 && f.hostUIDMap) throw new CommandError('host uid map specified along with UID mapping');
  if (gids.length > 0 && f.hostGIDMap) throw new CommandError('host gid map specified along with GID mapping');
  return {
    uidMap: f.hostUIDMap ? [] : uids.length > 0 ? uids : undefined,
    gidMap: f.hostGIDMap ? [] : gids.length > 0 ? gids : undefined,
  };
}
