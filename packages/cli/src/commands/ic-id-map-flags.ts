import { readFile } from 'node:fs/promises';
import { parseIDMapString, type IDMap } from '@cs/store';
import { boolFlag, CommandError, stringFlag } from '../command.js';

/** The ID-map flags of create-container: no short names (cli.md §2). */
export const CONTAINER_ID_MAP_FLAGS = {
  hostUIDMap: boolFlag(['-hostuidmap'], 'Force host UID map'),
  hostGIDMap: boolFlag(['-hostgidmap'], 'Force host GID map'),
  uidMap: stringFlag(['-uidmap'], 'UID map'),
  gidMap: stringFlag(['-gidmap'], 'GID map'),
  subUIDMap: stringFlag(['-subuidmap'], 'subuid UID map for a user'),
  subGIDMap: stringFlag(['-subgidmap'], 'subgid GID map for a group'),
};

interface IDMapFlagValues {
  hostUIDMap: boolean;
  hostGIDMap: boolean;
  uidMap: string;
  gidMap: string;
  subUIDMap: string;
  subGIDMap: string;
}

/** What to create with: `undefined` keeps the store's default mapping, `[]` is the host mapping. */
export interface ContainerIDMaps {
  uidMap: IDMap[] | undefined;
  gidMap: IDMap[] | undefined;
}

/** Go idtools.NewIDMappings for one name: its ranges, lowest start first, laid end to end from container ID 0. */
async function subordinateMap(file: string, name: string, what: 'user' | 'group'): Promise<IDMap[]> {
  let text = '';
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const ranges: Array<{ start: number; length: number }> = [];
  for (const line of text.split('\n')) {
    const [owner, start, length] = line.trim().split(':');
    if (owner !== name || start === undefined || length === undefined || !/^\d+$/.test(start) || !/^\d+$/.test(length)) continue;
    ranges.push({ start: Number(start), length: Number(length) });
  }
  if (ranges.length === 0) {
    throw new CommandError(`no ${what === 'user' ? 'subuid' : 'subgid'} ranges found for ${what} ${JSON.stringify(name)} in ${file}`);
  }
  ranges.sort((a, b) => a.start - b.start);
  let containerID = 0;
  return ranges.map((r) => {
    const m = { containerID, hostID: r.start, size: r.length };
    containerID += r.length;
    return m;
  });
}

function parseMap(value: string, kind: 'uid' | 'gid'): IDMap[] {
  try {
    return parseIDMapString(value, kind);
  } catch (err) {
    throw new CommandError(`initializing ID mappings: ${(err as Error).message}`);
  }
}

/**
 * The mapping the flags ask for, in upstream's order: sub-ID ranges first (one of the two
 * names serves for both), then the --uidmap/--gidmap triples; a host mapping excludes any other.
 */
export async function containerIDMapsFromFlags(f: IDMapFlagValues, files = { subuid: '/etc/subuid', subgid: '/etc/subgid' }): Promise<ContainerIDMaps> {
  let uids: IDMap[] = [];
  let gids: IDMap[] = [];
  if (f.subUIDMap !== '' || f.subGIDMap !== '') {
    uids = await subordinateMap(files.subuid, f.subUIDMap || f.subGIDMap, 'user');
    gids = await subordinateMap(files.subgid, f.subGIDMap || f.subUIDMap, 'group');
  }
  uids = [...uids, ...parseMap(f.uidMap, 'uid')];
  gids = [...gids, ...parseMap(f.gidMap, 'gid')];
  if (f.hostUIDMap && uids.length > 0) throw new CommandError('host uid map specified along with UID mapping');
  if (f.hostGIDMap && gids.length > 0) throw new CommandError('host gid map specified along with GID mapping');
  return {
    uidMap: f.hostUIDMap ? [] : uids.length > 0 ? uids : undefined,
    gidMap: f.hostGIDMap ? [] : gids.length > 0 ? gids : undefined,
  };
}
