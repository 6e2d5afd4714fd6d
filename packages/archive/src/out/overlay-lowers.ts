/**
 * Questions asked of an overlay layer's lower diff dirs (nearest first) when its upper dir is
 * turned into changes or a tar (layer-diff.md §3.4, §5.3). Lookups follow symlinks, as upstream.
 */
import * as fs from 'node:fs';
import type { BigIntStats } from 'node:fs';
import { fsPath, joinBytes } from './byte-paths.js';
import { isWhiteoutDevice, S_IFDIR, S_IFMT } from './file-kind.js';
import { errCode } from './fs-cb.js';

/** A lookup result: the stat (following symlinks) or why there is nothing. */
type Lookup = BigIntStats | 'ENOENT' | 'ENOTDIR';
/** The decision logic yields paths to look up and receives the results. */
type Steps<T> = Generator<string, T, Lookup>;

function classifyError(err: unknown): Lookup {
  const code = errCode(err);
  if (code === 'ENOENT' || code === 'ENOTDIR') return code;
  throw err;
}

function lookupSync(path: string): Lookup {
  try {
    // no exception for the common ENOENT: building one costs more than the syscall
    return fs.statSync(fsPath(path), { bigint: true, throwIfNoEntry: false }) ?? 'ENOENT';
  } catch (err) {
    return classifyError(err);
  }
}

function runSync<T>(steps: Steps<T>): T {
  let r = steps.next();
  while (!r.done) r = steps.next(lookupSync(r.value));
  return r.value;
}

function isWhiteout(st: Lookup): boolean {
  return typeof st !== 'string' && isWhiteoutDevice(Number(st.mode), st.rdev);
}

function ancestorsOf(rel: string): string[] {
  const out: string[] = [];
  for (let i = rel.lastIndexOf('/'); i > 0; i = rel.lastIndexOf('/', i - 1)) out.push(rel.slice(0, i));
  return out;
}

/**
 * Whether an opaque directory `rel` hides a directory of a lower layer: the first lower that
 * has a directory there (trailing-slash lookup, as upstream) says yes, unless a lower has a
 * whiteout at the path or an ancestor first. Decides the `.wh..wh..opq` marker and the
 * Delete of an opaque directory.
 */
function* hidesLowerDirSteps(lowers: readonly string[], rel: string): Steps<boolean> {
  for (const lower of lowers) {
    const st = yield `${joinBytes(lower, rel)}/`;
    if (typeof st !== 'string') return !isWhiteout(st);
    for (const dir of [rel, ...ancestorsOf(rel)]) {
      if (isWhiteout(yield joinBytes(lower, dir))) return false;
    }
  }
  return false;
}

export type Classification = 'add' | 'modify' | 'same';

/**
 * Classifies an upper object that is not a whiteout: 'add' when no lower has it (or a lower
 * whites it or an ancestor out first), 'same' for a directory whose size, mode and mtime
 * equal the lower one's, else 'modify'. ENOTDIR counts as absent (layer-diff.md §5.3, #81).
 * Only a directory's own stat matters: `upper` may be null for anything else.
 */
function* classifySteps(lowers: readonly string[], rel: string, upper: BigIntStats | null): Steps<Classification> {
  for (const lower of lowers) {
    const st = yield joinBytes(lower, rel);
    if (st === 'ENOENT') continue;
    if (st === 'ENOTDIR') {
      // some ancestor is not a directory: a whiteout there hides everything below
      for (const dir of ancestorsOf(rel)) {
        if (isWhiteout(yield joinBytes(lower, dir))) return 'add';
      }
      continue;
    }
    if (isWhiteout(st)) return 'add';
    const upperDir = upper !== null && (Number(upper.mode) & S_IFMT) === S_IFDIR;
    const lowerDir = (Number(st.mode) & S_IFMT) === S_IFDIR;
    if (upperDir && lowerDir && upper.size === st.size && upper.mode === st.mode && sameTime(upper.mtimeNs, st.mtimeNs)) {
      return 'same';
    }
    return 'modify';
  }
  return 'add';
}

/** Questions about an overlay layer's lower diff dirs (byte strings, nearest first). */
export class OverlayLowers {
  constructor(readonly lowers: readonly string[]) {}

  get empty(): boolean {
    return this.lowers.length === 0;
  }

  hidesLowerDirSync(rel: string): boolean {
    return runSync(hidesLowerDirSteps(this.lowers, rel));
  }

  classifySync(rel: string, upper: BigIntStats | null): Classification {
    return runSync(classifySteps(this.lowers, rel, upper));
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
