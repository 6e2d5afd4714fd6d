/**
 * Go's filepath.Walk order (depth-first, names in byte order, root left out) with synchronous
 * readdir in time slices (time-slice.ts). Entries carry the dirent type, which is enough for
 * callers that need an lstat only for some kinds of objects.
 */
import * as fs from 'node:fs';
import { fsPath, joinBytes } from './byte-paths.js';
import { ProduceError } from './errors.js';
import { errCode } from './fs-cb.js';
import type { TimeSlicer } from './time-slice.js';

export type EntryType = 'dir' | 'chr' | 'other';

export interface TypedEntry {
  /** path relative to the root, byte string, no leading '/' */
  rel: string;
  type: EntryType;
}

function typeOf(d: fs.Dirent): EntryType {
  // Node lstat()s entries whose dirent type is unknown, so these are reliable
  return d.isDirectory() ? 'dir' : d.isCharacterDevice() ? 'chr' : 'other';
}

function readTyped(root: string, rel: string): TypedEntry[] | null {
  let dirents: fs.Dirent[];
  try {
    dirents = fs.readdirSync(fsPath(joinBytes(root, rel)), { withFileTypes: true, encoding: 'latin1' as BufferEncoding });
  } catch (err) {
    const code = errCode(err);
    if (rel === '' && (code === 'ENOTDIR' || code === 'ENOENT')) {
      throw new ProduceError('ERR_PRODUCE_NOT_A_DIRECTORY', `not a directory: ${root}`, { path: root, cause: err });
    }
    if (rel === '') throw err;
    return null; // vanished or unreadable below the root: skipped, as upstream's walk does
  }
  dirents.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const prefix = rel === '' ? '' : `${rel}/`;
  return dirents.map((d) => ({ rel: prefix + (d.name as string), type: typeOf(d) }));
}

export async function walkTreeSliced(root: string, slicer: TimeSlicer): Promise<TypedEntry[]> {
  const out: TypedEntry[] = [];
  // depth-first with an explicit stack (no await per directory): pending siblings, reversed
  const stack: TypedEntry[] = [];
  const push = (entries: TypedEntry[] | null) => {
    if (entries !== null) for (let i = entries.length - 1; i >= 0; i--) stack.push(entries[i]!);
  };
  push(readTyped(root, ''));
  while (stack.length > 0) {
    if (slicer.due()) await slicer.yieldTurn();
    const e = stack.pop()!;
    out.push(e);
    if (e.type === 'dir') push(readTyped(root, e.rel));
  }
  return out;
}
