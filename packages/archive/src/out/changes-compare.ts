/**
 * The comparison half of tree-comparison changes (layer-diff.md §5.2), on two scanned trees.
 * Shared by the async scan (changes-tree.ts) and the worker's synchronous scan.
 */
import { ProduceError } from './errors.js';
import { S_IFDIR, S_IFMT } from './file-kind.js';
import { hostToContainer, type IDMapRange } from './id-maps.js';
import { sameTime } from './overlay-lowers.js';
import type { StatFields } from './produce-core.js';

export interface TreeNode {
  st: StatFields & { dev: bigint };
  capability: string | undefined;
  /** user.* xattrs serialised as name\0value\0…, sorted by name */
  userXattrs: string;
  target: string;
  children: Map<string, TreeNode>;
}

export interface CompareOptions {
  uidMaps?: readonly IDMapRange[];
  gidMaps?: readonly IDMapRange[];
  parentUidMaps?: readonly IDMapRange[];
  parentGidMaps?: readonly IDMapRange[];
  compare?: 'head' | '1.43';
}

/** A change as a byte-string path and a kind (0 Modify, 1 Add, 2 Delete). */
export type RawChange = [path: string, kind: 0 | 1 | 2];

export function isDirNode(n: TreeNode): boolean {
  return (Number(n.st.mode) & S_IFMT) === S_IFDIR;
}

/** The root of a scanned tree; the root must be a directory. */
export function rootNode(st: TreeNode['st'], root: string): TreeNode {
  const node: TreeNode = { st, capability: undefined, userXattrs: '', target: '', children: new Map() };
  if (!isDirNode(node)) throw new ProduceError('ERR_PRODUCE_NOT_A_DIRECTORY', `not a directory: ${root}`, { path: root });
  return node;
}

function sortedKeys(m: Map<string, TreeNode>): string[] {
  return [...m.keys()].sort();
}

export function compareTrees(newTree: TreeNode, oldTree: TreeNode, opts: CompareOptions): RawChange[] {
  const compareDirTimes = (opts.compare ?? 'head') === 'head';
  const newUid = opts.uidMaps, newGid = opts.gidMaps;
  const oldUid = opts.parentUidMaps ?? opts.uidMaps, oldGid = opts.parentGidMaps ?? opts.gidMaps;

  const different = (o: TreeNode, n: TreeNode): boolean => {
    const os = o.st, ns = n.st;
    if (os.mode !== ns.mode) return true;
    // unmappable IDs compare as the host IDs, as upstream
    const nu = hostToContainer(newUid, Number(ns.uid)) ?? Number(ns.uid);
    const ng = hostToContainer(newGid, Number(ns.gid)) ?? Number(ns.gid);
    const ou = hostToContainer(oldUid, Number(os.uid)) ?? Number(os.uid);
    const og = hostToContainer(oldGid, Number(os.gid)) ?? Number(os.gid);
    if (nu !== ou || ng !== og) return true;
    if (os.rdev !== ns.rdev) return true;
    const dir = isDirNode(o);
    if ((compareDirTimes || !dir) && !sameTime(os.mtimeNs, ns.mtimeNs)) return true;
    if (!dir && os.size !== ns.size) return true;
    if (o.capability !== n.capability || o.userXattrs !== n.userXattrs) return true;
    if (compareDirTimes && o.target !== n.target) return true;
    return false;
  };

  const changes: RawChange[] = [];
  const added = new Set<TreeNode>();
  const visit = (info: TreeNode, old: TreeNode | null, path: string): void => {
    const sizeAtEntry = changes.length;
    if (old === null) {
      changes.push([path, 1]);
      added.add(info);
    }
    const infoIsDir = isDirNode(info);
    // old children only count below a new directory: a directory replaced by a file hides them
    const oldChildren = new Map<string, TreeNode>(old !== null && infoIsDir ? old.children : []);
    for (const name of sortedKeys(info.children)) {
      const child = info.children.get(name)!;
      const oldChild = oldChildren.get(name) ?? null;
      const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
      if (oldChild !== null) {
        if (different(oldChild, child)) {
          changes.push([childPath, 0]);
          added.add(child);
        }
        oldChildren.delete(name);
      }
      visit(child, oldChild, childPath);
    }
    for (const name of sortedKeys(oldChildren)) changes.push([path === '/' ? `/${name}` : `${path}/${name}`, 2]);
    // a directory with changes inside is listed (before them) even when unchanged itself
    if (changes.length > sizeAtEntry && infoIsDir && !added.has(info) && path !== '/') {
      changes.splice(sizeAtEntry, 0, [path, 0]);
    }
  };
  visit(newTree, oldTree, '/');
  return changes;
}
