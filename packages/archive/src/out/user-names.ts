/**
 * uid/gid → name lookups for the 1.43 header style, which fills uname/gname from the host's
 * passwd and group databases (layer-diff.md §5.4.1). Read once per export; unknown IDs → ''.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';

export interface NameLookup {
  user(uid: number): string;
  group(gid: number): string;
}

async function readIdFile(path: string): Promise<Map<number, string>> {
  try {
    return parseIdFile(await readFile(path, 'latin1'));
  } catch {
    return new Map();
  }
}

export async function loadHostNames(etcDir = '/etc'): Promise<NameLookup> {
  const [users, groups] = await Promise.all([readIdFile(`${etcDir}/passwd`), readIdFile(`${etcDir}/group`)]);
  return {
    user: (uid) => users.get(uid) ?? '',
    group: (gid) => groups.get(gid) ?? '',
  };
}

/** HEAD writes no names at all. */
export const NO_NAMES: NameLookup = { user: () => '', group: () => '' };

function parseIdFile(text: string): Map<number, string> {
  const names = new Map<number, string>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3) continue;
    const id = Number(fields[2]);
    if (Number.isInteger(id) && !names.has(id)) names.set(id, fields[0]!);
  }
  return names;
}

/** The same lookup, read synchronously (only used inside the export worker). */
export function loadHostNamesSync(etcDir = '/etc'): NameLookup {
  const read = (f: string) => {
    try {
      return parseIdFile(readFileSync(`${etcDir}/${f}`, 'latin1'));
    } catch {
      return new Map<number, string>();
    }
  };
  const users = read('passwd');
  const groups = read('group');
  return { user: (uid) => users.get(uid) ?? '', group: (gid) => groups.get(gid) ?? '' };
}
