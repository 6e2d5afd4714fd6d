/**
 * Changes of an overlay layer from its upper dir alone (layer-diff.md §5.3): whiteout devices
 * are deletions, opaque directories that hide a lower directory are deletions, everything else
 * is an addition or a modification depending on the lower layers. Walk order, root left out.
 *
 * The scan uses synchronous syscalls in time slices (time-slice.ts), and lstat()s only what
 * the dirent type cannot answer: character devices (whiteout or not) and, when there are
 * lower layers, directories (an unchanged directory yields no record).
 */
import * as fs from 'node:fs';
import { fsPath, joinBytes, toBytes } from './byte-paths.js';
import { ChangeKind, makeChange, type Change } from './change.js';
import { isWhiteoutDevice } from './file-kind.js';
import { OverlayLowers } from './overlay-lowers.js';
import { TimeSlicer } from './time-slice.js';
import { walkTreeSliced, type TypedEntry } from './tree-walk-sliced.js';
import { isOpaqueSync } from './xattrs.js';

export interface OverlayChangesOptions {
  /** namespace of the opaque xattr: 'trusted.' when rootful (default), 'user.' when rootless */
  overlayXattrPrefix?: 'trusted.' | 'user.';
}

/** null: vanished during the walk, or a directory equal to the lower one */
type Verdict = ChangeKind | null;

function lstatOrNull(p: string | Buffer): fs.BigIntStats | null {
  return fs.lstatSync(p, { bigint: true, throwIfNoEntry: false }) ?? null;
}

function judge(root: string, e: TypedEntry, lowers: OverlayLowers, opaqueXattr: string): Verdict {
  if (e.type === 'other' && lowers.empty) return ChangeKind.Add; // the common case: no syscall
  const p = fsPath(joinBytes(root, e.rel));
  if (e.type === 'chr') {
    const st = lstatOrNull(p);
    if (st === null) return null;
    if (isWhiteoutDevice(Number(st.mode), st.rdev)) return ChangeKind.Delete;
  }
  if (lowers.empty) return ChangeKind.Add;
  let upperDir: fs.BigIntStats | null = null;
  if (e.type === 'dir') {
    upperDir = lstatOrNull(p);
    if (upperDir === null) return null;
    if (isOpaqueSync(p, opaqueXattr) && lowers.hidesLowerDirSync(e.rel)) return ChangeKind.Delete;
  }
  const c = lowers.classifySync(e.rel, upperDir);
  return c === 'add' ? ChangeKind.Add : c === 'modify' ? ChangeKind.Modify : null;
}

export async function changesFromOverlayUpper(
  upperDir: string,
  lowerDirs: readonly string[],
  opts: OverlayChangesOptions = {},
): Promise<Change[]> {
  const root = toBytes(upperDir);
  const lowers = new OverlayLowers(lowerDirs.map(toBytes));
  const opaqueXattr = `${opts.overlayXattrPrefix ?? 'trusted.'}overlay.opaque`;
  const slicer = new TimeSlicer();
  const entries = await walkTreeSliced(root, slicer);

  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  // recorded directories whose ancestors are all recorded too: below them the ancestor scan
  // (a string slice and a set lookup per level) can be skipped
  const closedDirs = new Set<string>();
  for (const e of entries) {
    if (slicer.due()) await slicer.yieldTurn();
    const kind = judge(root, e, lowers, opaqueXattr);
    if (kind === null) continue;
    const path = `/${e.rel}`;
    const cut = path.lastIndexOf('/');
    const parentPath = path.slice(0, cut);
    if (e.type === 'dir') changedDirs.add(path);
    if ((kind === ChangeKind.Add || kind === ChangeKind.Delete) && cut > 0 && !closedDirs.has(parentPath)) {
      // every ancestor not yet recorded comes first, as a Modify
      const tail: Change[] = [];
      for (let j = cut; j > 0; j = path.lastIndexOf('/', j - 1)) {
        const parent = path.slice(0, j);
        if (changedDirs.has(parent)) continue;
        tail.unshift(makeChange(parent, ChangeKind.Modify));
        changedDirs.add(parent);
      }
      changes.push(...tail);
      closedDirs.add(parentPath);
    }
    const ancestorsRecorded = cut === 0 || closedDirs.has(parentPath);
    if (e.type === 'dir' && ancestorsRecorded) closedDirs.add(path);
    changes.push(makeChange(path, kind));
  }
  return changes;
}
