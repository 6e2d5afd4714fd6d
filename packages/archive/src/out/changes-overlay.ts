/**
 * Changes of an overlay layer from its upper dir alone (layer-diff.md §5.3): whiteout devices
 * are deletions, opaque directories that hide a lower directory are deletions, everything else
 * is an addition or a modification depending on the lower layers. Walk order, root left out.
 */
import type { BigIntStats } from 'node:fs';
import { fsPath, joinBytes, toBytes } from './byte-paths.js';
import { ChangeKind, makeChange, type Change } from './change.js';
import { isWhiteoutDevice, S_IFDIR, S_IFMT } from './file-kind.js';
import { errCode, lstatBig } from './fs-cb.js';
import { limiter } from './limit.js';
import { OverlayLowers } from './overlay-lowers.js';
import { walkTree } from './tree-walk.js';
import { isOpaque, listXattrs } from './xattrs.js';

export interface OverlayChangesOptions {
  /** namespace of the opaque xattr: 'trusted.' when rootful (default), 'user.' when rootless */
  overlayXattrPrefix?: 'trusted.' | 'user.';
}

type Verdict = { kind: ChangeKind | null; isDir: boolean } | null;

const CONCURRENCY = 16;

export async function changesFromOverlayUpper(
  upperDir: string,
  lowerDirs: readonly string[],
  opts: OverlayChangesOptions = {},
): Promise<Change[]> {
  const root = toBytes(upperDir);
  const lowers = new OverlayLowers(lowerDirs.map(toBytes));
  const opaqueXattr = `${opts.overlayXattrPrefix ?? 'trusted.'}overlay.opaque`;
  const limit = limiter(CONCURRENCY);
  const entries = await walkTree(root);

  const judge = async (rel: string): Promise<Verdict> => {
    const p = fsPath(joinBytes(root, rel));
    let st: BigIntStats;
    try {
      st = await lstatBig(p);
    } catch (err) {
      if (errCode(err) === 'ENOENT') return null; // vanished during the walk
      throw err;
    }
    const mode = Number(st.mode);
    const isDir = (mode & S_IFMT) === S_IFDIR;
    if (isWhiteoutDevice(mode, st.rdev)) return { kind: ChangeKind.Delete, isDir };
    if (isDir && !lowers.empty && (await isOpaque(p, await listXattrs(p), opaqueXattr)) && (await lowers.hidesLowerDir(rel))) {
      return { kind: ChangeKind.Delete, isDir };
    }
    const c = await lowers.classify(rel, st);
    return { kind: c === 'add' ? ChangeKind.Add : c === 'modify' ? ChangeKind.Modify : null, isDir };
  };

  const verdicts = await Promise.all(entries.map((e) => limit(() => judge(e.rel))));
  const changes: Change[] = [];
  const changedDirs = new Set<string>();
  entries.forEach((e, i) => {
    const v = verdicts[i];
    if (v == null || v.kind === null) return; // vanished, or a directory equal to the lower one
    const path = `/${e.rel}`;
    if (v.isDir) changedDirs.add(path);
    if (v.kind === ChangeKind.Add || v.kind === ChangeKind.Delete) {
      // every ancestor not yet recorded comes first, as a Modify
      const tail: Change[] = [];
      for (let j = path.lastIndexOf('/'); j > 0; j = path.lastIndexOf('/', j - 1)) {
        const parent = path.slice(0, j);
        if (changedDirs.has(parent)) continue;
        tail.unshift(makeChange(parent, ChangeKind.Modify));
        changedDirs.add(parent);
      }
      changes.push(...tail);
    }
    changes.push(makeChange(path, v.kind));
  });
  return changes;
}
