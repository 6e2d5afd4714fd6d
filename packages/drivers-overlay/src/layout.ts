import { readFileSync } from 'node:fs';
import { chmod, chown, lstat, mkdir, readlink, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { DriverError, isErrno, layerNotExist } from '@cs/drivers';
import { generateLinkId } from './link-id.js';

/** HEAD's limit on the number of `lower` entries (1.43: 128); the kernel stacks at most 500 layers. */
export const MAX_DEPTH = 500;
export const LINK_DIR = 'l';

/** Paths of one layer in the driver home (on-disk.md §5.1). */
export class LayerPaths {
  constructor(
    readonly home: string,
    readonly id: string,
  ) {}
  get dir(): string {
    return path.join(this.home, this.id);
  }
  get diff(): string {
    return path.join(this.dir, 'diff');
  }
  get work(): string {
    return path.join(this.dir, 'work');
  }
  get merged(): string {
    return path.join(this.dir, 'merged');
  }
  get empty(): string {
    return path.join(this.dir, 'empty');
  }
  get linkFile(): string {
    return path.join(this.dir, 'link');
  }
  get lowerFile(): string {
    return path.join(this.dir, 'lower');
  }
}

/** The link and lower files are tiny (at most a few KiB): read inline, not on the thread pool. */
async function readOptional(file: string): Promise<string | undefined> {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    if (isErrno(err, 'ENOENT')) return undefined;
    throw err;
  }
}

export async function readLinkId(layer: LayerPaths): Promise<string> {
  return readFileSync(layer.linkFile, 'utf8').trim();
}

/** The `lower` entries (`l/<LID>`, nearest ancestor first); empty for a base layer. */
export async function readLowerEntries(layer: LayerPaths): Promise<string[]> {
  const text = await readOptional(layer.lowerFile);
  if (text === undefined || text === '') return [];
  return text.split(':');
}

export interface CreateLayoutOpts {
  /** owner of a base layer's directories (the layer root's host IDs) */
  rootUid: number;
  rootGid: number;
  /** mode of a base layer's diff/ (0555, or force_mask) */
  baseDiffMode: number;
  /** the home the parent layer lives in, when not `home` (HEAD split image store) */
  parentHome?: string;
}

/**
 * Creates `<home>/<id>/` exactly as Go 1.43 does: diff/ (mode of the parent's diff/, owner of the
 * parent's layer dir), the l/ symlink, link, work/, merged/, then empty/ or lower. On failure
 * nothing is left behind.
 */
export async function createLayerLayout(
  home: string,
  id: string,
  parent: string | null,
  opts: CreateLayoutOpts,
): Promise<void> {
  const layer = new LayerPaths(home, id);
  let uid = opts.rootUid;
  let gid = opts.rootGid;
  let diffMode = opts.baseDiffMode;
  let lower: string | undefined;
  if (parent !== null) {
    const parentLayer = new LayerPaths(opts.parentHome ?? home, parent);
    let parentSt;
    try {
      parentSt = await stat(parentLayer.dir);
    } catch (err) {
      if (isErrno(err, 'ENOENT')) throw layerNotExist('overlay', parent);
      throw err;
    }
    uid = parentSt.uid;
    gid = parentSt.gid;
    diffMode = (await stat(parentLayer.diff)).mode & 0o7777;
    const entries = [`${LINK_DIR}/${await readLinkId(parentLayer)}`, ...(await readLowerEntries(parentLayer))];
    if (entries.length >= MAX_DEPTH) {
      throw new DriverError('ERR_DRIVER_MAX_DEPTH', `overlay: max depth exceeded (${entries.length} lowers, limit ${MAX_DEPTH - 1})`);
    }
    lower = entries.join(':');
  }
  try {
    await lstat(layer.dir);
    throw new DriverError('ERR_LAYER_EXISTS', `overlay: layer ${JSON.stringify(id)} already exists`);
  } catch (err) {
    if (!isErrno(err, 'ENOENT')) throw err;
  }

  const linkDir = path.join(home, LINK_DIR);
  let linkPath: string | undefined;
  try {
    await mkdirOwned(layer.dir, 0o700, uid, gid);
    await mkdirOwned(layer.diff, diffMode, uid, gid);
    linkPath = await makeShortLink(linkDir, id);
    await writeFile(layer.linkFile, path.basename(linkPath), { mode: 0o644 });
    await mkdirOwned(layer.work, 0o700, uid, gid);
    await mkdirOwned(layer.merged, 0o700, uid, gid);
    if (lower === undefined) await mkdirOwned(layer.empty, 0o700, uid, gid);
    else await writeFile(layer.lowerFile, lower, { mode: 0o666 });
  } catch (err) {
    if (linkPath) await rm(linkPath, { force: true });
    await rm(layer.dir, { recursive: true, force: true });
    throw err;
  }
}

/** mkdir with an exact mode (no umask) and owner. */
async function mkdirOwned(dir: string, mode: number, uid: number, gid: number): Promise<void> {
  await mkdir(dir, { mode });
  await chown(dir, uid, gid);
  await chmod(dir, mode);
}

/** Creates `l/<LID>` → `../<id>/diff` with a fresh LID, retrying on the (unlikely) name clash. */
async function makeShortLink(linkDir: string, id: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const linkPath = path.join(linkDir, generateLinkId());
    try {
      await symlink(path.join('..', id, 'diff'), linkPath);
      return linkPath;
    } catch (err) {
      if (!isErrno(err, 'EEXIST') || attempt > 10) throw err;
    }
  }
}

/** The layer ID an `l/<LID>` entry points to (`../<ID>/diff`), or undefined if the link is bogus. */
export async function layerOfLinkEntry(home: string, entry: string): Promise<string | undefined> {
  let target: string;
  try {
    target = await readlink(path.join(home, entry));
  } catch (err) {
    if (isErrno(err, 'ENOENT', 'EINVAL')) return undefined;
    throw err;
  }
  const m = /^\.\.\/([^/]+)\/diff$/.exec(target);
  return m?.[1];
}
