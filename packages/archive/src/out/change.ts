/** A change of a layer against its parent, as upstream's archive.Change. */
import { rawIfNotUtf8, toBytes, toDisplay } from './byte-paths.js';
import { ProduceError } from './errors.js';

export enum ChangeKind {
  Modify = 0,
  Add = 1,
  Delete = 2,
}

export interface Change {
  /** absolute, clean, no trailing slash: '/a/b' (UTF-8; invalid bytes shown as U+FFFD) */
  path: string;
  kind: ChangeKind;
  /** the exact path bytes, present only when they are not valid UTF-8 */
  rawPath?: Buffer;
}

/** Build a Change from a byte-string path ('/a/b'). */
export function makeChange(bytesPath: string, kind: ChangeKind): Change {
  const raw = rawIfNotUtf8(bytesPath);
  return raw === undefined ? { path: toDisplay(bytesPath), kind } : { path: toDisplay(bytesPath), kind, rawPath: raw };
}

/** The byte-string path of a change (rawPath wins), checked to be absolute and clean. */
export function changeBytes(c: Change): string {
  const p = c.rawPath !== undefined ? c.rawPath.toString('latin1') : toBytes(c.path);
  if (!p.startsWith('/') || p === '/' || p.endsWith('/') || /\/\.{0,2}(\/|$)/.test(p) || p.includes('//')) {
    throw new ProduceError('ERR_PRODUCE_INVALID_CHANGE', `change path must be absolute and clean: ${JSON.stringify(c.path)}`, {
      path: c.path,
    });
  }
  return p;
}

const KIND_LETTER: Record<ChangeKind, string> = { [ChangeKind.Modify]: 'C', [ChangeKind.Add]: 'A', [ChangeKind.Delete]: 'D' };

/** Upstream's String() form: 'A /p', 'C /p', 'D /p'. */
export function formatChange(c: Change): string {
  return `${KIND_LETTER[c.kind]} ${c.path}`;
}
