/** DiffSize (layer-diff.md §6.1). */
import * as fs from 'node:fs';
import { fsPath, joinBytes, toBytes } from './byte-paths.js';
import { ChangeKind, changeBytes, type Change } from './change.js';
import { S_IFDIR, S_IFMT } from './file-kind.js';
import { lstatBig } from './fs-cb.js';
import { limiter } from './limit.js';
import { TimeSlicer } from './time-slice.js';
import { walkTreeSliced } from './tree-walk-sliced.js';

const CONCURRENCY = 16;

/**
 * Tree-comparison diff size: the lstat size of every added or modified non-directory
 * (a symlink counts its target length), hardlinked inodes once; vanished paths are skipped.
 */
export async function diffSizeFromChanges(dir: string, changes: readonly Change[]): Promise<number> {
  const root = toBytes(dir);
  const limit = limiter(CONCURRENCY);
  const wanted = changes.filter((c) => c.kind === ChangeKind.Modify || c.kind === ChangeKind.Add).map(changeBytes);
  const stats = await Promise.all(
    wanted.map((p) => limit(() => lstatBig(fsPath(joinBytes(root, p.slice(1)))).catch(() => null))),
  );
  let size = 0;
  const seen = new Set<bigint>();
  for (const st of stats) {
    if (st === null || (Number(st.mode) & S_IFMT) === S_IFDIR) continue;
    if (st.nlink > 1n) {
      if (seen.has(st.ino)) continue;
      seen.add(st.ino);
    }
    size += Number(st.size);
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
    const p = fsPath(joinBytes(root, e.rel));
    // number stats allocate far less than bigint ones; only hardlinks need the exact inode
    const st = fs.lstatSync(p, { throwIfNoEntry: false });
    if (st === undefined || (st.mode & S_IFMT) === S_IFDIR) continue; // vanished, or replaced by a directory
    if (st.nlink > 1) {
      const ino = fs.lstatSync(p, { bigint: true, throwIfNoEntry: false })?.ino;
      if (ino === undefined || seen.has(ino)) continue; // vanished, or a hardlink already counted
      seen.add(ino);
    }
    size += st.size;
  }
  return size;
}
