/**
 * The async tar producer: takes an ordered list of members, prepares them ahead in parallel
 * (lstat, readlink, xattrs, small file contents) within a bounded window, and emits headers
 * and data in order in large chunks. Used in-process (and for the overlay diff); the worker
 * path (produce-sync.ts) does the same with synchronous calls off the main thread.
 */
import { fsPath, joinBytes } from './byte-paths.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, S_IFSOCK } from './file-kind.js';
import { closeFd, lstatBig, openRead, readFully, readlinkBytes } from './fs-cb.js';
import {
  buildHeaders, deletionHeader, OutChunks, SMALL_FILE, type Member, type Prepared, type ProduceContext,
} from './produce-core.js';
import { END_OF_ARCHIVE, TYPE_REG, encodeHeader, paddingFor } from './tar-header.js';
import { isOpaque, listXattrs, readXattrs } from './xattrs.js';

export type { Member, ProduceContext } from './produce-core.js';

const WINDOW = 64;
const CHUNK = 1024 * 1024;

async function prepare(m: Member & { kind: 'path' }, ctx: ProduceContext): Promise<Prepared> {
  const p = fsPath(joinBytes(ctx.root, m.rel));
  const st = await lstatBig(p);
  const type = Number(st.mode) & S_IFMT;
  const [linkTarget, xattrNames] = await Promise.all([
    type === S_IFLNK ? readlinkBytes(p) : Promise.resolve(''),
    type === S_IFSOCK ? Promise.resolve([]) : listXattrs(p),
  ]);
  const xattrs = xattrNames.length > 0 ? await readXattrs(p, xattrNames, ctx.xattrFilter) : [];
  let opaqueMarker = false;
  if (ctx.overlay !== undefined && type === S_IFDIR && (await isOpaque(p, xattrNames, ctx.overlay.opaqueXattr))) {
    opaqueMarker = await ctx.overlay.needsOpaqueMarker(m.rel);
  }
  const prepared: Prepared = { rel: m.rel, st, linkTarget, xattrs, opaqueMarker };
  const size = Number(st.size);
  // hardlinked files are read when their turn comes: a later name needs no data
  if (type === S_IFREG && size > 0 && size <= SMALL_FILE && st.nlink === 1n) {
    const fd = await openRead(p);
    try {
      const buf = Buffer.allocUnsafe(size);
      await readFully(fd, buf, size, 0);
      prepared.content = buf;
    } finally {
      await closeFd(fd);
    }
  }
  return prepared;
}

export async function* produceTar(members: readonly Member[], ctx: ProduceContext): AsyncGenerator<Buffer> {
  const out = new OutChunks();
  const scratch = Buffer.alloc(512); // headers are copied into `out` at once
  const seenInodes = new Map<bigint, string>();
  const window: Array<Promise<Prepared | Error> | null> = [];
  let next = 0;
  const fill = () => {
    while (window.length < WINDOW && next < members.length) {
      const m = members[next++]!;
      // a rejection is kept as a value so that a skipped member never becomes an unhandled one
      window.push(m.kind === 'path' ? prepare(m, ctx).catch((e: unknown) => (e instanceof Error ? e : new Error(String(e)))) : null);
    }
  };

  for (let i = 0; i < members.length; i++) {
    fill();
    const m = members[i]!;
    const pending = window.shift()!;
    if (m.kind === 'delete') {
      out.add(encodeHeader(deletionHeader(m.rel), scratch));
    } else {
      const prepared = await pending!;
      if (prepared instanceof Error) {
        ctx.onSkip?.(m.rel, prepared);
      } else {
        const built = buildHeaders(prepared, ctx, seenInodes);
        if ('skip' in built) {
          ctx.onSkip?.(m.rel, built.skip);
        } else {
          const { hdr, marker } = built;
          out.add(encodeHeader(hdr, scratch));
          if (marker !== undefined) out.add(encodeHeader(marker, scratch));
          if (hdr.typeflag === TYPE_REG && hdr.size > 0) {
            if (prepared.content !== undefined) {
              out.add(prepared.content);
            } else {
              yield* out.drain();
              yield* streamFile(fsPath(joinBytes(ctx.root, m.rel)), hdr.size, out, (err) => ctx.onSkip?.(m.rel, err));
            }
            out.zeros(paddingFor(hdr.size));
          }
        }
      }
    }
    yield* out.drain();
  }
  out.add(END_OF_ARCHIVE);
  out.flush();
  yield* out.drain();
}

/**
 * Streams exactly `size` bytes of a big file with one read in flight ahead of the consumer.
 * The header is out already: a file that vanished, shrank or cannot be read is zero-padded and
 * reported through `onProblem` (upstream's stream breaks instead).
 */
async function* streamFile(
  path: string | Buffer,
  size: number,
  out: OutChunks,
  onProblem: (err: unknown) => void,
): AsyncGenerator<Buffer> {
  let fd: number;
  try {
    fd = await openRead(path);
  } catch (err) {
    onProblem(err);
    yield* zeroFill(size);
    return;
  }
  let inFlight: Promise<Buffer> | undefined;
  let failed = false;
  try {
    const readChunk = (pos: number) => {
      const len = Math.min(CHUNK, size - pos);
      const buf = Buffer.allocUnsafe(len);
      if (failed) return Promise.resolve(buf.fill(0));
      return readFully(fd, buf, len, pos).then(
        () => buf,
        (err: unknown) => {
          failed = true;
          onProblem(err);
          return buf.fill(0);
        },
      );
    };
    let pos = 0;
    inFlight = readChunk(0);
    while (pos < size) {
      const buf: Buffer = await inFlight!;
      pos += buf.length;
      inFlight = pos < size ? readChunk(pos) : undefined;
      out.add(buf);
      yield* out.drain();
    }
  } finally {
    // never close the fd under a read still running (the consumer may stop early)
    if (inFlight !== undefined) await inFlight.catch(() => undefined);
    await closeFd(fd);
  }
}

function* zeroFill(size: number): Generator<Buffer> {
  for (let left = size; left > 0; left -= CHUNK) yield Buffer.alloc(Math.min(CHUNK, left));
}
