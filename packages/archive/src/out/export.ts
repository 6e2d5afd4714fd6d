/**
 * The three ways upstream writes a layer diff tar (layer-diff.md §5.4, §5.5):
 * exportChanges (a change list, sorted by path), exportTree (a parentless layer: the whole tree
 * in walk order) and exportOverlayUpper (an overlay upper dir with whiteout conversion).
 */
import { Readable } from 'node:stream';
import { toBytes } from './byte-paths.js';
import { ChangeKind, changeBytes, type Change } from './change.js';
import type { IDMapRange } from './id-maps.js';
import { OverlayLowers } from './overlay-lowers.js';
import { produceTar, type Member, type ProduceContext } from './produce.js';
import { walkTree } from './tree-walk.js';
import { exportInWorker, workerAvailable } from './worker.js';
import { loadHostNames, NO_NAMES } from './user-names.js';
import { TAR_XATTRS_143, TAR_XATTRS_HEAD } from './xattrs.js';

export interface ExportOptions {
  /** the layer's ID maps: owners are written as container IDs; unmappable entries are skipped */
  uidMaps?: readonly IDMapRange[];
  gidMaps?: readonly IDMapRange[];
  /**
   * 'head' (default): permission-only modes, empty uname/gname, no user.overlay.* xattrs.
   * '1.43': what the Go 1.43 binary writes (file-type bits in modes, host user/group names).
   */
  headerStyle?: 'head' | '1.43';
  /** called for each entry left out the way upstream only logs it (vanished, socket, unmappable owner) */
  onSkip?: (path: string, reason: unknown) => void;
  /**
   * Produce in a worker thread with synchronous syscalls (default true; several times faster).
   * Ignored when running from sources rather than the built bundle.
   */
  worker?: boolean;
}

export interface OverlayExportOptions extends ExportOptions {
  /** namespace of the opaque xattr: 'trusted.' when rootful (default), 'user.' when rootless */
  overlayXattrPrefix?: 'trusted.' | 'user.';
}

async function baseContext(dir: string, opts: ExportOptions): Promise<ProduceContext> {
  const style = opts.headerStyle ?? 'head';
  return {
    root: toBytes(dir),
    style,
    names: style === '1.43' ? await loadHostNames() : NO_NAMES,
    xattrFilter: style === '1.43' ? TAR_XATTRS_143 : TAR_XATTRS_HEAD,
    uidMaps: opts.uidMaps,
    gidMaps: opts.gidMaps,
    onSkip: opts.onSkip,
  };
}

function fromGenerator(make: () => AsyncGenerator<Buffer>): Readable {
  return Readable.from(make(), { objectMode: false, highWaterMark: 1024 * 1024 });
}

/** Upstream ExportChanges: changes sorted by path; Delete → `.wh.` header, others from lstat. */
export function exportChanges(dir: string, changes: readonly Change[], opts: ExportOptions = {}): Readable {
  // validate (and convert) before any byte is produced, so a bad list throws here
  const members: Member[] = changes
    .map((c) => ({ bytes: changeBytes(c), kind: c.kind }))
    .sort((a, b) => (a.bytes < b.bytes ? -1 : a.bytes > b.bytes ? 1 : 0))
    .map(({ bytes, kind }) => ({ kind: kind === ChangeKind.Delete ? 'delete' : 'path', rel: bytes.slice(1) }));
  if (opts.worker !== false && workerAvailable()) {
    return exportInWorker({ ...workerJob(dir, opts), members }, opts.onSkip);
  }
  return fromGenerator(async function* () {
    yield* produceTar(members, await baseContext(dir, opts));
  });
}

function workerJob(dir: string, opts: ExportOptions) {
  return {
    root: toBytes(dir),
    style: opts.headerStyle ?? 'head',
    uidMaps: opts.uidMaps ? [...opts.uidMaps] : undefined,
    gidMaps: opts.gidMaps ? [...opts.gidMaps] : undefined,
  };
}

/** A parentless layer's diff: the whole tree in walk order (lexical, depth first, root left out). */
export function exportTree(dir: string, opts: ExportOptions = {}): Readable {
  if (opts.worker !== false && workerAvailable()) return exportInWorker(workerJob(dir, opts), opts.onSkip);
  return fromGenerator(async function* () {
    const ctx = await baseContext(dir, opts);
    const entries = await walkTree(ctx.root);
    yield* produceTar(entries.map((e) => ({ kind: 'path', rel: e.rel })), ctx);
  });
}

/**
 * The overlay native diff: the upper dir in walk order; whiteout devices (char 0/0) become
 * `.wh.<name>` entries, and an opaque directory that hides a lower directory is followed by a
 * `.wh..wh..opq` entry (layer-diff.md §3.4).
 */
export function exportOverlayUpper(upperDir: string, lowerDirs: readonly string[], opts: OverlayExportOptions = {}): Readable {
  const opaqueXattr = `${opts.overlayXattrPrefix ?? 'trusted.'}overlay.opaque`;
  if (opts.worker !== false && workerAvailable()) {
    return exportInWorker({ ...workerJob(upperDir, opts), overlay: { lowers: lowerDirs.map(toBytes), opaqueXattr } }, opts.onSkip);
  }
  return fromGenerator(async function* () {
    const ctx = await baseContext(upperDir, opts);
    const lowers = new OverlayLowers(lowerDirs.map(toBytes));
    ctx.overlay = {
      opaqueXattr,
      needsOpaqueMarker: (rel) => (lowers.empty ? Promise.resolve(false) : lowers.hidesLowerDir(rel)),
    };
    const entries = await walkTree(ctx.root);
    yield* produceTar(entries.map((e) => ({ kind: 'path', rel: e.rel })), ctx);
  });
}
