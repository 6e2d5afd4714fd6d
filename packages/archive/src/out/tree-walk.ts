/**
 * Lists a directory tree in Go's filepath.Walk order (depth-first, names in byte order, the
 * root itself left out), reading directories in parallel with bounded concurrency.
 */
import { fsPath, joinBytes } from './byte-paths.js';
import { errCode, readdirTyped } from './fs-cb.js';
import { limiter } from './limit.js';
import { ProduceError } from './errors.js';

export interface WalkEntry {
  /** path relative to the root, byte string, no leading '/' */
  rel: string;
  isDir: boolean;
}

interface DirNode {
  entries: WalkEntry[];
  subdirs: Map<string, Promise<DirNode>>;
}

const READDIR_CONCURRENCY = 8;

export async function walkTree(root: string): Promise<WalkEntry[]> {
  const limit = limiter(READDIR_CONCURRENCY);

  const readDir = async (rel: string, isRoot: boolean): Promise<DirNode> => {
    let dirents;
    try {
      dirents = await limit(() => readdirTyped(fsPath(joinBytes(root, rel))));
    } catch (err) {
      if (isRoot) {
        const code = errCode(err);
        if (code === 'ENOTDIR' || code === 'ENOENT') {
          throw new ProduceError('ERR_PRODUCE_NOT_A_DIRECTORY', `not a directory: ${root}`, { path: root, cause: err });
        }
        throw err;
      }
      // a directory that vanished or cannot be read is skipped, as upstream's walk does
      return { entries: [], subdirs: new Map() };
    }
    const names = dirents.map((d) => ({ name: d.name as string, isDir: d.isDirectory() }));
    names.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const node: DirNode = { entries: [], subdirs: new Map() };
    for (const { name, isDir } of names) {
      const childRel = rel === '' ? name : `${rel}/${name}`;
      node.entries.push({ rel: childRel, isDir });
      if (isDir) node.subdirs.set(childRel, readDir(childRel, false));
    }
    return node;
  };

  const out: WalkEntry[] = [];
  const flatten = async (node: DirNode): Promise<void> => {
    for (const e of node.entries) {
      out.push(e);
      const sub = node.subdirs.get(e.rel);
      if (sub !== undefined) await flatten(await sub);
    }
  };
  await flatten(await readDir('', true));
  return out;
}
