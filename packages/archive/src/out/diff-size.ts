/** DiffSize (layer-diff.md §6.1). */
import * as fs from 'node:fs';
import { fsPath, joinBytes, toBytes } from './byte-paths.js';
import { ChangeKind, changeBytes, type Change } from './change.js';
import { S_IFDIR, S_IFMT } from './file-kind.js';
import { TimeSlicer } from './time-slice.js';
import { walkTreeSliced } from './tree-walk-sliced.js';

/**
 * What one object adds to a diff size: st_size of a non-directory (a symlink counts its target
 * length), 0 for a directory, for a path that cannot be lstat()ed (vanished) and for a
 * hardlinked inode already in `seen`. Number stats allocate far less than bigint ones; only
 * hardlinks need the exact inode.
 */
function sizeOnce(p: string | Buffer, seen: Set<bigint>): number {
  let st: fs.Stats | undefined;
  try {
    st = fs.lstatSync(p, { throwIfNoEntry: false });
  } catch {
    return 0;
  }
  if (st === undefined || (st.mode & S_IFMT) === S_IFDIR) return 0;
  if (st.nlink > 1) {
    const ino = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false })?.ino;
    if (ino === undefined || seen.has(ino)) return 0;
    seen.add(ino);
  }
  return st.size;
}

/**
 * Tree-comparison diff size: the lstat size of every added or modified non-directory
 * (a symlink counts its target length), hardlinked inodes once; vanished paths are skipped.
 * Synchronous lstat in time slices (time-slice.ts).
 */
export async function diffSizeFromChanges(dir: string, changes: readonly Change[]): Promise<number> {
  const root = toBytes(dir);
  const wanted = changes.filter((c) => c.kind === ChangeKind.Modify || c.kind === ChangeKind.Add).map(changeBytes);
  const slicer = new TimeSlicer();
  let size = 0;
  const seen = new Set<bigint>();
  for (const p of wanted) {
    if (slicer.due()) await slicer.yieldTurn();
    size += sizeOnce(fsPath(joinBytes(root, p.slice(1))), seen);
  }
  return size;
}

/**
 * Overlay diff size: the size of every non-directory object under `dir`, each inode once.
 * Synchronous lstat in time slices (time-slice.ts): a layer has thousands of entries.
 */
export async function directorySize(dir: string): Promise<number> {
  const root = toBytes(dir);
  const slicer = new TimeSlicer();
  const entries = await walkTreeSliced(root, slicer);
  let size = 0;
  const seen = new Set<bigint>();
  for (const e of entries) {
    if (e.type === 'dir') continue;
    if (slicer.due()) await slicer.yieldTurn();
    size += sizeOnce(fsPath(joinBytes(root, e.rel)), seen);
  }
  return size;
}
