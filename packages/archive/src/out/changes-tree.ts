/**
 * Changes by tree comparison (layer-diff.md §5.2): both trees are scanned together (pruning
 * subtrees that are the very same inode on the same device), then compared node by node.
 * Children are visited in byte order so the result is deterministic.
 */
import type { BigIntStats } from 'node:fs';
import { fsPath, joinBytes, toBytes } from './byte-paths.js';
import { ChangeKind, makeChange, type Change } from './change.js';
import { ProduceError } from './errors.js';
import { S_IFDIR, S_IFLNK, S_IFMT } from './file-kind.js';
import { errCode, lstatBig, readdirTyped, readlinkBytes } from './fs-cb.js';
import { hostToContainer, type IDMapRange } from './id-maps.js';
import { limiter } from './limit.js';
import { sameTime } from './overlay-lowers.js';
import { CHANGE_XATTRS, listXattrs, readXattrs } from './xattrs.js';

export interface ChangesOptions {
  /** the layer's ID maps (host ↔ container) */
  uidMaps?: readonly IDMapRange[];
  gidMaps?: readonly IDMapRange[];
  /** the parent layer's maps; default: the layer's */
  parentUidMaps?: readonly IDMapRange[];
  parentGidMaps?: readonly IDMapRange[];
  /** 'head' (default) also compares directory mtimes and symlink targets; '1.43' does not */
  compare?: 'head' | '1.43';
}

interface Node {
  st: BigIntStats;
  capability: string | undefined;
  userXattrs: string;
  target: string;
  children: Map<string, Node>;
}

const CONCURRENCY = 16;

function isDirStat(st: BigIntStats): boolean {
  return (Number(st.mode) & S_IFMT) === S_IFDIR;
}

async function loadNode(path: string, st: BigIntStats): Promise<Node> {
  const p = fsPath(path);
  const isLink = (Number(st.mode) & S_IFMT) === S_IFLNK;
  const [target, names] = await Promise.all([isLink ? readlinkBytes(p) : Promise.resolve(''), listXattrs(p)]);
  let capability: string | undefined;
  let userXattrs = '';
  if (names.length > 0) {
    for (const [k, v] of await readXattrs(p, names, CHANGE_XATTRS)) {
      if (k === 'security.capability') capability = v.toString('latin1');
      else userXattrs += `${k}\0${v.toString('latin1')}\0`;
    }
  }
  return { st, capability, userXattrs, target, children: new Map() };
}

async function lstatOrNull(path: string): Promise<BigIntStats | null> {
  try {
    return await lstatBig(fsPath(path));
  } catch (err) {
    if (errCode(err) === 'ENOENT') return null;
    throw err;
  }
}

async function readNames(path: string): Promise<string[]> {
  const dirents = await readdirTyped(fsPath(path));
  return dirents.map((d) => d.name as string);
}

/** Scans the new and old trees together into two node trees. */
async function scanTrees(newRoot: string, oldRoot: string): Promise<{ newTree: Node; oldTree: Node }> {
  const limit = limiter(CONCURRENCY);
  const [newSt, oldSt] = await Promise.all([lstatBig(fsPath(newRoot)), lstatBig(fsPath(oldRoot))]);
  for (const [root, st] of [[newRoot, newSt], [oldRoot, oldSt]] as const) {
    if (!isDirStat(st)) throw new ProduceError('ERR_PRODUCE_NOT_A_DIRECTORY', `not a directory: ${root}`, { path: root });
  }
  const newTree: Node = { st: newSt, capability: undefined, userXattrs: '', target: '', children: new Map() };
  const oldTree: Node = { st: oldSt, capability: undefined, userXattrs: '', target: '', children: new Map() };

  const walk = async (rel: string, n: Node | null, o: Node | null): Promise<void> => {
    const nDir = n !== null && isDirStat(n.st);
    const oDir = o !== null && isDirStat(o.st);
    if (!nDir && !oDir) return;
    const [nNames, oNames] = await Promise.all([
      nDir ? limit(() => readNames(joinBytes(newRoot, rel))) : Promise.resolve([]),
      oDir ? limit(() => readNames(joinBytes(oldRoot, rel))) : Promise.resolve([]),
    ]);
    const oSet = new Set(oNames);
    const sameDevice = n !== null && o !== null && n.st.dev === o.st.dev;
    const names = new Set([...nNames, ...oNames]);
    await Promise.all(
      [...names].map(async (name) => {
        const childRel = rel === '' ? name : `${rel}/${name}`;
        const [nSt, oSt] = await Promise.all([
          nDir ? limit(() => lstatOrNull(joinBytes(newRoot, childRel))) : Promise.resolve(null),
          oDir && oSet.has(name) ? limit(() => lstatOrNull(joinBytes(oldRoot, childRel))) : Promise.resolve(null),
        ]);
        // the very same inode on both sides (overlay lower seen through a mount): nothing to compare
        if (sameDevice && nSt !== null && oSt !== null && nSt.ino === oSt.ino && nSt.dev === oSt.dev) return;
        const [nNode, oNode] = await Promise.all([
          nSt !== null ? limit(() => loadNode(joinBytes(newRoot, childRel), nSt)) : Promise.resolve(null),
          oSt !== null ? limit(() => loadNode(joinBytes(oldRoot, childRel), oSt)) : Promise.resolve(null),
        ]);
        if (nNode !== null) n!.children.set(name, nNode);
        if (oNode !== null) o!.children.set(name, oNode);
        // old children matter only below a new directory (a dir replaced by a file hides them)
        await walk(childRel, nNode, nNode !== null && isDirStat(nNode.st) ? oNode : null);
      }),
    );
  };
  await walk('', newTree, oldTree);
  return { newTree, oldTree };
}

function sortedKeys(m: Map<string, Node>): string[] {
  return [...m.keys()].sort();
}

export async function changesBetween(
  layerDir: string,
  parentDir: string | null,
  opts: ChangesOptions = {},
): Promise<Change[]> {
  const compareDirTimes = (opts.compare ?? 'head') === 'head';
  const newRoot = toBytes(layerDir);
  let emptyDir: string | undefined;
  let oldRoot: string;
  if (parentDir === null) {
    const { mkdtemp } = await import('node:fs/promises');
    const { tmpdir } = await import('node:os');
    emptyDir = await mkdtemp(`${tmpdir()}/cs-empty-`);
    oldRoot = emptyDir;
  } else {
    oldRoot = toBytes(parentDir);
  }
  try {
    const { newTree, oldTree } = await scanTrees(newRoot, oldRoot);
    const newUid = opts.uidMaps, newGid = opts.gidMaps;
    const oldUid = opts.parentUidMaps ?? opts.uidMaps, oldGid = opts.parentGidMaps ?? opts.gidMaps;

    const different = (o: Node, n: Node): boolean => {
      const os = o.st, ns = n.st;
      if (os.mode !== ns.mode) return true;
      // unmappable IDs compare as the host IDs, as upstream
      const nu = hostToContainer(newUid, Number(ns.uid)) ?? Number(ns.uid);
      const ng = hostToContainer(newGid, Number(ns.gid)) ?? Number(ns.gid);
      const ou = hostToContainer(oldUid, Number(os.uid)) ?? Number(os.uid);
      const og = hostToContainer(oldGid, Number(os.gid)) ?? Number(os.gid);
      if (nu !== ou || ng !== og) return true;
      if (os.rdev !== ns.rdev) return true;
      const dir = isDirStat(os);
      if ((compareDirTimes || !dir) && !sameTime(os.mtimeNs, ns.mtimeNs)) return true;
      if (!dir && os.size !== ns.size) return true;
      if (o.capability !== n.capability || o.userXattrs !== n.userXattrs) return true;
      if (compareDirTimes && o.target !== n.target) return true;
      return false;
    };

    const changes: Change[] = [];
    const added = new Set<Node>();
    const visit = (info: Node, old: Node | null, path: string): void => {
      const sizeAtEntry = changes.length;
      if (old === null) {
        changes.push(makeChange(path, ChangeKind.Add));
        added.add(info);
      }
      const infoIsDir = isDirStat(info.st);
      const oldChildren = new Map<string, Node>(old !== null && infoIsDir ? old.children : []);
      for (const name of sortedKeys(info.children)) {
        const child = info.children.get(name)!;
        const oldChild = oldChildren.get(name) ?? null;
        const childPath = path === '/' ? `/${name}` : `${path}/${name}`;
        if (oldChild !== null) {
          if (different(oldChild, child)) {
            changes.push(makeChange(childPath, ChangeKind.Modify));
            added.add(child);
          }
          oldChildren.delete(name);
        }
        visit(child, oldChild, childPath);
      }
      for (const name of sortedKeys(oldChildren)) {
        changes.push(makeChange(path === '/' ? `/${name}` : `${path}/${name}`, ChangeKind.Delete));
      }
      // a directory with changes inside is listed (before them) even when unchanged itself
      if (changes.length > sizeAtEntry && infoIsDir && !added.has(info) && path !== '/') {
        changes.splice(sizeAtEntry, 0, makeChange(path, ChangeKind.Modify));
      }
    };
    visit(newTree, oldTree, '/');
    return changes;
  } finally {
    if (emptyDir !== undefined) {
      const { rm } = await import('node:fs/promises');
      await rm(emptyDir, { recursive: true, force: true });
    }
  }
}
