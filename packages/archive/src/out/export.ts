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
import { OutChunks, type Member, type ProduceContext } from './produce-core.js';
import { SyncProducer, type OpaqueMarkerSync } from './produce-sync.js';
import { TimeSlicer } from './time-slice.js';
import { walkTreeSliced } from './tree-walk-sliced.js';
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
   * Produce in a worker thread (default true), off the calling thread. Ignored when running from
   * sources or from another package's bundle; production then runs on the calling thread, with
   * the same synchronous syscalls in time slices.
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

/**
 * In-process production when the worker is not available: synchronous syscalls in time slices
 * on the calling thread (an async call per lstat, xattr list and read cost about twice the CPU).
 */
function produceSliced(
  members: (slicer: TimeSlicer, ctx: ProduceContext) => Promise<readonly Member[]> | readonly Member[],
  context: () => Promise<ProduceContext>,
  opaqueMarker?: OpaqueMarkerSync,
): Readable {
  return fromGenerator(async function* () {
    const slicer = new TimeSlicer();
    const ctx = await context();
    const producer = new SyncProducer(await members(slicer, ctx), ctx, new OutChunks(), opaqueMarker);
    try {
      for (;;) {
        const done = producer.run(slicer.deadline);
        yield* producer.out.drain();
        if (done) return;
        if (slicer.due()) await slicer.yieldTurn();
      }
    } finally {
      producer.close();
    }
  });
}

async function wholeTree(slicer: TimeSlicer, ctx: ProduceContext): Promise<Member[]> {
  return (await walkTreeSliced(ctx.root, slicer)).map((e) => ({ kind: 'path', rel: e.rel }));
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
  return produceSliced(() => members, () => baseContext(dir, opts));
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
  return produceSliced(wholeTree, () => baseContext(dir, opts));
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
  const lowers = new OverlayLowers(lowerDirs.map(toBytes));
  const context = async () => ({ ...(await baseContext(upperDir, opts)), overlay: { opaqueXattr } });
  return produceSliced(wholeTree, context, (rel) => !lowers.empty && lowers.hidesLowerDirSync(rel));
}
