/** The tree scan of changes-tree.ts with synchronous calls (in the worker, or in-process in time slices). */
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

const byName = (a: [string, string], b: [string, string]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

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
  let userXattrs = '';
  if (user.length > 0) {
    user.sort(byName);
    for (const [k, v] of user) userXattrs += `${k}\0${v}\0`;
  }
  return { st, capability, userXattrs, target, children: new Map() };
}

function readNames(path: string): string[] {
  return fs.readdirSync(fsPath(path), { encoding: 'latin1' as BufferEncoding }) as string[];
}

/**
 * The scan of both trees, resumable: run() visits directory pairs until a deadline, so the
 * in-process caller can give the event loop turns (changes-tree.ts) while the worker runs it
 * to the end. An explicit stack instead of recursion; children maps are keyed by name and
 * compared in sorted order, so the visiting order does not matter.
 */
export class TreePairScan {
  readonly newTree: TreeNode;
  readonly oldTree: TreeNode;
  readonly #stack: Array<[rel: string, n: TreeNode | null, o: TreeNode | null]>;

  constructor(
    private readonly newRoot: string,
    private readonly oldRoot: string,
  ) {
    this.newTree = rootNode(fs.lstatSync(fsPath(newRoot), { bigint: true }), newRoot);
    this.oldTree = rootNode(fs.lstatSync(fsPath(oldRoot), { bigint: true }), oldRoot);
    this.#stack = [['', this.newTree, this.oldTree]];
  }

  /** Scans until performance.now() passes `deadline`; true once both trees are read. */
  run(deadline = Infinity): boolean {
    for (;;) {
      const next = this.#stack.pop();
      if (next === undefined) return true;
      this.#visit(...next);
      if (performance.now() >= deadline) return this.#stack.length === 0;
    }
  }

  #visit(rel: string, n: TreeNode | null, o: TreeNode | null): void {
    const { newRoot, oldRoot } = this;
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
      // the very same inode on both sides (overlay lower seen through a mount): nothing to compare
      if (sameDevice && nSt !== null && oSt !== null && nSt.ino === oSt.ino && nSt.dev === oSt.dev) continue;
      const nNode = nSt !== null ? loadNode(joinBytes(newRoot, childRel), nSt) : null;
      const oNode = oSt !== null ? loadNode(joinBytes(oldRoot, childRel), oSt) : null;
      if (nNode !== null) n!.children.set(name, nNode);
      if (oNode !== null) o!.children.set(name, oNode);
      // old children matter only below a new directory (a dir replaced by a file hides them)
      this.#stack.push([childRel, nNode, nNode !== null && isDirNode(nNode) ? oNode : null]);
    }
  }
}

export function changesBetweenSync(newRoot: string, oldRoot: string, opts: CompareOptions): RawChange[] {
  const scan = new TreePairScan(newRoot, oldRoot);
  scan.run();
  return compareTrees(scan.newTree, scan.oldTree, opts);
}
