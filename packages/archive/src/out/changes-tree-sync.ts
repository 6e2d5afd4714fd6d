/** The worker's synchronous twin of the tree scan in changes-tree.ts. */
import * as fs from 'node:fs';
import { lgetxattrSync, llistxattrSync } from '@cs/sys';
import { fsPath, joinBytes } from './byte-paths.js';
import { compareTrees, isDirNode, rootNode, type CompareOptions, type RawChange, type TreeNode } from './changes-compare.js';
import { S_IFLNK, S_IFMT } from './file-kind.js';
import { errCode } from './fs-cb.js';
import { CHANGE_XATTRS } from './xattrs.js';

function lstatOrNull(path: string): fs.BigIntStats | null {
  return fs.lstatSync(fsPath(path), { bigint: true, throwIfNoEntry: false }) ?? null;
}

function loadNode(path: string, st: fs.BigIntStats): TreeNode {
  const p = fsPath(path);
  const target = (Number(st.mode) & S_IFMT) === S_IFLNK ? fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1') : '';
  let names: string[] = [];
  try {
    names = llistxattrSync(p);
  } catch (err) {
    const code = errCode(err);
    if (code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw err;
  }
  let capability: string | undefined;
  const user: Array<[string, string]> = [];
  for (const name of names) {
    if (!CHANGE_XATTRS(name)) continue;
    let value: Buffer;
    try {
      value = lgetxattrSync(p, name);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENODATA' || code === 'E2BIG') continue;
      throw err;
    }
    if (name === 'security.capability') capability = value.toString('latin1');
    else user.push([Buffer.from(name, 'utf8').toString('latin1'), value.toString('latin1')]);
  }
  user.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return { st, capability, userXattrs: user.map(([k, v]) => `${k}\0${v}\0`).join(''), target, children: new Map() };
}

function readNames(path: string): string[] {
  return fs.readdirSync(fsPath(path), { encoding: 'latin1' as BufferEncoding }) as string[];
}

export function changesBetweenSync(newRoot: string, oldRoot: string, opts: CompareOptions): RawChange[] {
  const newTree = rootNode(fs.lstatSync(fsPath(newRoot), { bigint: true }), newRoot);
  const oldTree = rootNode(fs.lstatSync(fsPath(oldRoot), { bigint: true }), oldRoot);
  const walk = (rel: string, n: TreeNode | null, o: TreeNode | null): void => {
    const nDir = n !== null && isDirNode(n);
    const oDir = o !== null && isDirNode(o);
    if (!nDir && !oDir) return;
    const nNames = nDir ? readNames(joinBytes(newRoot, rel)) : [];
    const oNames = oDir ? readNames(joinBytes(oldRoot, rel)) : [];
    const oSet = new Set(oNames);
    const sameDevice = n !== null && o !== null && n.st.dev === o.st.dev;
    for (const name of new Set([...nNames, ...oNames])) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      const nSt = nDir ? lstatOrNull(joinBytes(newRoot, childRel)) : null;
      const oSt = oDir && oSet.has(name) ? lstatOrNull(joinBytes(oldRoot, childRel)) : null;
      if (sameDevice && nSt !== null && oSt !== null && nSt.ino === oSt.ino && nSt.dev === oSt.dev) continue;
      const nNode = nSt !== null ? loadNode(joinBytes(newRoot, childRel), nSt) : null;
      const oNode = oSt !== null ? loadNode(joinBytes(oldRoot, childRel), oSt) : null;
      if (nNode !== null) n!.children.set(name, nNode);
      if (oNode !== null) o!.children.set(name, oNode);
      walk(childRel, nNode, nNode !== null && isDirNode(nNode) ? oNode : null);
    }
  };
  walk('', newTree, oldTree);
  return compareTrees(newTree, oldTree, opts);
}
