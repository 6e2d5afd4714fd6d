/**
 * uid/gid → name lookups for the 1.43 header style, which fills uname/gname from the host's
 * passwd and group databases (layer-diff.md §5.4.1). Read once per export; unknown IDs → ''.
 */
import { readFile } from 'node:fs/promises';

export interface NameLookup {
  user(uid: number): string;
  group(gid: number): string;
}

async function readIdFile(path: string): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  let text: string;
  try {
    text = await readFile(path, 'latin1');
  } catch {
    return names;
  }
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const fields = line.split(':');
    if (fields.length < 3) continue;
    const id = Number(fields[2]);
    // getpwuid returns the first matching line
    if (Number.isInteger(id) && !names.has(id)) names.set(id, fields[0]!);
  }
  return names;
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
