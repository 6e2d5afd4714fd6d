/**
 * Changes by tree comparison (layer-diff.md §5.2): both trees are scanned together (pruning
 * subtrees that are the very same inode on the same device), then compared node by node
 * (changes-compare.ts). Children are visited in byte order so the result is deterministic.
 * From the built bundle the scan runs in the export worker with synchronous calls.
 */
import type { BigIntStats } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { fsPath, joinBytes, toBytes } from './byte-paths.js';
import { makeChange, type Change } from './change.js';
import { compareTrees, isDirNode, rootNode, type CompareOptions, type RawChange, type TreeNode } from './changes-compare.js';
import { S_IFLNK, S_IFMT } from './file-kind.js';
import { errCode, lstatBig, readdirTyped, readlinkBytes } from './fs-cb.js';
import { limiter } from './limit.js';
import { changesInWorker, workerAvailable } from './worker.js';
import { CHANGE_XATTRS, listXattrs, readXattrs } from './xattrs.js';

export interface ChangesOptions extends CompareOptions {
  /** scan in the export worker (default true; only from the built bundle) */
  worker?: boolean;
}

const CONCURRENCY = 16;

async function loadNode(path: string, st: BigIntStats): Promise<TreeNode> {
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
async function scanTrees(newRoot: string, oldRoot: string): Promise<{ newTree: TreeNode; oldTree: TreeNode }> {
  const limit = limiter(CONCURRENCY);
  const [newSt, oldSt] = await Promise.all([lstatBig(fsPath(newRoot)), lstatBig(fsPath(oldRoot))]);
  const newTree = rootNode(newSt, newRoot);
  const oldTree = rootNode(oldSt, oldRoot);

  const walk = async (rel: string, n: TreeNode | null, o: TreeNode | null): Promise<void> => {
    const nDir = n !== null && isDirNode(n);
    const oDir = o !== null && isDirNode(o);
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
        await walk(childRel, nNode, nNode !== null && isDirNode(nNode) ? oNode : null);
      }),
    );
  };
  await walk('', newTree, oldTree);
  return { newTree, oldTree };
}

export async function changesBetween(
  layerDir: string,
  parentDir: string | null,
  opts: ChangesOptions = {},
): Promise<Change[]> {
  const newRoot = toBytes(layerDir);
  let emptyDir: string | undefined;
  try {
    if (parentDir === null) emptyDir = await mkdtemp(`${tmpdir()}/cs-empty-`);
    const oldRoot = emptyDir ?? toBytes(parentDir!);
    const compare: CompareOptions = {
      uidMaps: opts.uidMaps, gidMaps: opts.gidMaps, parentUidMaps: opts.parentUidMaps,
      parentGidMaps: opts.parentGidMaps, compare: opts.compare,
    };
    let raw: RawChange[];
    if (opts.worker !== false && workerAvailable()) {
      raw = await changesInWorker(newRoot, oldRoot, compare);
    } else {
      const { newTree, oldTree } = await scanTrees(newRoot, oldRoot);
      raw = compareTrees(newTree, oldTree, compare);
    }
    return raw.map(([path, kind]) => makeChange(path, kind));
  } finally {
    if (emptyDir !== undefined) await rm(emptyDir, { recursive: true, force: true });
  }
}
