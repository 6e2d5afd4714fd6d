/**
 * Questions asked of an overlay layer's lower diff dirs (nearest first) when its upper dir is
 * turned into changes or a tar (layer-diff.md §3.4, §5.3). Lookups follow symlinks, as upstream.
 */
import type { BigIntStats } from 'node:fs';
import { fsPath, joinBytes } from './byte-paths.js';
import { isWhiteoutDevice, S_IFDIR, S_IFMT } from './file-kind.js';
import { errCode, statBig } from './fs-cb.js';

async function statOrNull(path: string): Promise<BigIntStats | null> {
  try {
    return await statBig(fsPath(path));
  } catch (err) {
    const code = errCode(err);
    // ENOTDIR counts as absent (upstream only does so in some places; layer-diff.md §5.3)
    if (code === 'ENOENT' || code === 'ENOTDIR') return null;
    throw err;
  }
}

function isWhiteout(st: BigIntStats | null): boolean {
  return st !== null && isWhiteoutDevice(Number(st.mode), st.rdev);
}

function ancestorsOf(rel: string): string[] {
  const out: string[] = [];
  for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) out.push(rel.slice(0, i));
  return out;
}

export class OverlayLowers {
  /** lower diff dirs as byte strings, nearest first */
  constructor(private readonly lowers: readonly string[]) {}

  get empty(): boolean {
    return this.lowers.length === 0;
  }

  /**
   * Whether an opaque directory `rel` hides a directory of a lower layer: the first lower that
   * has a directory there (trailing-slash lookup, as upstream) says yes, unless a lower has a
   * whiteout at the path or an ancestor first. Decides the `.wh..wh..opq` marker and the
   * Delete of an opaque directory.
   */
  async hidesLowerDir(rel: string): Promise<boolean> {
    for (const lower of this.lowers) {
      const st = await statOrNull(`${joinBytes(lower, rel)}/`);
      if (st !== null) return !isWhiteout(st);
      for (const dir of [rel, ...ancestorsOf(rel)]) {
        if (isWhiteout(await statOrNull(joinBytes(lower, dir)))) return false;
      }
    }
    return false;
  }

  /**
   * Classifies an upper object that is not a whiteout: 'add' when no lower has it (or a lower
   * whites it or an ancestor out first), 'same' for a directory whose size, mode and mtime
   * equal the lower one's, else 'modify'.
   */
  async classify(rel: string, upper: BigIntStats): Promise<'add' | 'modify' | 'same'> {
    for (const lower of this.lowers) {
      const path = joinBytes(lower, rel);
      let st: BigIntStats | null;
      try {
        st = await statBig(fsPath(path));
      } catch (err) {
        const code = errCode(err);
        if (code === 'ENOENT') continue;
        if (code !== 'ENOTDIR') throw err;
        // some ancestor is not a directory: a whiteout there hides everything below
        for (const dir of ancestorsOf(rel)) {
          if (isWhiteout(await statOrNull(joinBytes(lower, dir)))) return 'add';
        }
        continue;
      }
      if (isWhiteout(st)) return 'add';
      const upperDir = (Number(upper.mode) & S_IFMT) === S_IFDIR;
      const lowerDir = (Number(st.mode) & S_IFMT) === S_IFDIR;
      if (upperDir && lowerDir && upper.size === st.size && upper.mode === st.mode && sameTime(upper.mtimeNs, st.mtimeNs)) {
        return 'same';
      }
      return 'modify';
    }
    return 'add';
  }
}

/** Equal times, or equal seconds with either side lacking nanoseconds (tar truncation). */
export function sameTime(a: bigint, b: bigint): boolean {
  if (a === b) return true;
  const G = 1_000_000_000n;
  // floor division, so that times before 1970 split like a timespec does
  const na = ((a % G) + G) % G, nb = ((b % G) + G) % G;
  return (a - na) / G === (b - nb) / G && (na === 0n || nb === 0n);
}
