/**
 * The synchronous twin of produce.ts, run only inside the export worker (worker.ts): plain
 * blocking syscalls there cost a few microseconds each instead of a thread-pool round trip,
 * and they block only the worker, never the caller's event loop.
 */
import * as fs from 'node:fs';
import { lgetxattrSync, llistxattrSync } from '@cs/sys';
import { fsPath, joinBytes } from './byte-paths.js';
import { ProduceError } from './errors.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFSOCK } from './file-kind.js';
import { errCode } from './fs-cb.js';
import {
  buildHeaders, deletionHeader, OutChunks, type Member, type Prepared, type ProduceContext,
} from './produce-core.js';
import { END_OF_ARCHIVE, TYPE_REG, encodeHeader, paddingFor } from './tar-header.js';
import type { XattrFilter } from './xattrs.js';

/** Go's filepath.Walk order (depth first, byte order, root left out), synchronously. */
export function walkTreeSync(root: string): string[] {
  const out: string[] = [];
  const visit = (rel: string, isRoot: boolean) => {
    let dirents: fs.Dirent[];
    try {
      dirents = fs.readdirSync(fsPath(joinBytes(root, rel)), { withFileTypes: true, encoding: 'latin1' as BufferEncoding });
    } catch (err) {
      const code = errCode(err);
      if (isRoot && (code === 'ENOTDIR' || code === 'ENOENT')) {
        throw new ProduceError('ERR_PRODUCE_NOT_A_DIRECTORY', `not a directory: ${root}`, { path: root });
      }
      if (isRoot) throw err;
      return; // vanished or unreadable below the root: skipped, as upstream's walk does
    }
    const entries = dirents.map((d) => ({ name: d.name as string, isDir: d.isDirectory() }));
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    for (const e of entries) {
      const childRel = rel === '' ? e.name : `${rel}/${e.name}`;
      out.push(childRel);
      if (e.isDir) visit(childRel, false);
    }
  };
  visit('', true);
  return out;
}

const byName = (a: [string, Buffer], b: [string, Buffer]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

/** The listed xattr names and the values of those that pass `filter`. */
function xattrsSync(p: string | Buffer, filter: XattrFilter): { names: string[]; xattrs: Array<[string, Buffer]> } {
  let names: string[];
  try {
    names = llistxattrSync(p);
  } catch (err) {
    const code = errCode(err);
    if (code === 'ENOTSUP' || code === 'EOPNOTSUPP') return { names: [], xattrs: [] };
    throw err;
  }
  const xattrs: Array<[string, Buffer]> = [];
  for (const name of names) {
    if (!filter(name)) continue;
    try {
      xattrs.push([Buffer.from(name, 'utf8').toString('latin1'), lgetxattrSync(p, name)]);
    } catch (err) {
      const code = errCode(err);
      if (code === 'ENODATA' || code === 'E2BIG' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') continue;
      throw err;
    }
  }
  if (xattrs.length > 1) xattrs.sort(byName);
  return { names, xattrs };
}

function isOpaqueSync(p: string | Buffer, names: string[], xattrName: string): boolean {
  if (!names.includes(xattrName)) return false;
  try {
    const v = lgetxattrSync(p, xattrName);
    return v.length === 1 && v[0] === 0x79;
  } catch (err) {
    if (errCode(err) === 'ENODATA') return false;
    throw err;
  }
}

/** For the overlay diff: whether an opaque directory gets a `.wh..wh..opq` marker. */
export type OpaqueMarkerSync = (rel: string) => boolean;

function prepareSync(rel: string, ctx: ProduceContext, opaqueMarker?: OpaqueMarkerSync): Prepared {
  const p = fsPath(joinBytes(ctx.root, rel));
  const st = fs.lstatSync(p, { bigint: true });
  const type = Number(st.mode) & S_IFMT;
  const linkTarget = type === S_IFLNK ? fs.readlinkSync(p, { encoding: 'buffer' }).toString('latin1') : '';
  const { names, xattrs } = type === S_IFSOCK ? { names: [], xattrs: [] } : xattrsSync(p, ctx.xattrFilter);
  const marker =
    ctx.overlay !== undefined && opaqueMarker !== undefined && type === S_IFDIR && isOpaqueSync(p, names, ctx.overlay.opaqueXattr)
      ? opaqueMarker(rel)
      : false;
  return { rel, st, linkTarget, xattrs, opaqueMarker: marker };
}

/** A regular file being copied into the output, possibly across several run() calls. */
interface Copy {
  rel: string;
  fd: number | undefined;
  size: number;
  done: number;
}

/**
 * Produces the tar synchronously and resumably: run() works until a chunk is ready, a deadline
 * passes or the archive is complete, so a caller can hand chunks on (the worker, blocking for
 * flow control) or give the event loop a turn (in-process, time-sliced). The per-member work is
 * in plain methods, which V8 optimizes (a generator body run once stays in baseline code).
 * For the overlay diff, ctx.overlay plus `opaqueMarker` do the conversion.
 *
 * File data is copied exactly `size` bytes: the header is out already, so a file that vanished,
 * shrank or cannot be read (e.g. replaced by a directory) is zero-padded to keep the archive
 * well-formed, and reported through ctx.onSkip (upstream's stream breaks instead).
 */
export class SyncProducer {
  readonly #seenInodes = new Map<bigint, string>();
  readonly #scratch = Buffer.alloc(512); // headers are copied into `out` at once
  #next = 0;
  #copy: Copy | undefined;
  #ended = false;

  constructor(
    private readonly members: readonly Member[],
    private readonly ctx: ProduceContext,
    readonly out: OutChunks,
    private readonly opaqueMarker?: OpaqueMarkerSync,
  ) {}

  /** Works until out.ready has a chunk or performance.now() passes `deadline`; true once all is out. */
  run(deadline = Infinity): boolean {
    const out = this.out;
    for (let n = 1; ; n++) {
      if (out.ready.length > 0) return this.#ended;
      if (this.#copy !== undefined) {
        this.#copyMore(this.#copy);
        continue; // a copy ends a call only through a full chunk
      }
      if (this.#next === this.members.length) {
        if (!this.#ended) {
          out.add(END_OF_ARCHIVE);
          out.flush();
          this.#ended = true;
        }
        return true;
      }
      this.#member(this.members[this.#next++]!);
      if ((n & 15) === 0 && performance.now() >= deadline) return false;
    }
  }

  /** Closes a file left open by a run that was abandoned (the consumer stopped early). */
  close(): void {
    const fd = this.#copy?.fd;
    this.#copy = undefined;
    if (fd !== undefined) fs.closeSync(fd);
  }

  #member(m: Member): void {
    const { ctx, out } = this;
    if (m.kind === 'delete') {
      out.add(encodeHeader(deletionHeader(m.rel), this.#scratch));
      return;
    }
    let prepared: Prepared;
    try {
      prepared = prepareSync(m.rel, ctx, this.opaqueMarker);
    } catch (err) {
      ctx.onSkip?.(m.rel, err);
      return;
    }
    const built = buildHeaders(prepared, ctx, this.#seenInodes);
    if ('skip' in built) {
      ctx.onSkip?.(m.rel, built.skip);
      return;
    }
    const { hdr, marker } = built;
    out.add(encodeHeader(hdr, this.#scratch));
    if (marker !== undefined) out.add(encodeHeader(marker, this.#scratch));
    if (hdr.typeflag === TYPE_REG && hdr.size > 0) {
      let fd: number | undefined;
      try {
        fd = fs.openSync(fsPath(joinBytes(ctx.root, m.rel)), fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
      } catch (err) {
        ctx.onSkip?.(m.rel, err);
      }
      this.#copy = { rel: m.rel, fd, size: hdr.size, done: 0 };
    }
  }

  /** Copies into the current chunk; at the end of the file, pads it and closes it. */
  #copyMore(c: Copy): void {
    const out = this.out;
    const { buf, offset, length } = out.space();
    const want = Math.min(length, c.size - c.done);
    let n = 0;
    if (c.fd !== undefined) {
      try {
        n = fs.readSync(c.fd, buf, offset, want, c.done);
      } catch (err) {
        this.ctx.onSkip?.(c.rel, err);
        fs.closeSync(c.fd);
        c.fd = undefined;
      }
    }
    if (n === 0) {
      buf.fill(0, offset, offset + want);
      n = want;
    }
    out.advance(n);
    c.done += n;
    if (c.done === c.size) {
      if (c.fd !== undefined) fs.closeSync(c.fd);
      this.#copy = undefined;
      out.zeros(paddingFor(c.size));
    }
  }
}

/**
 * Produces the whole tar synchronously, handing each finished chunk to `emit` (which may block
 * the worker for flow control).
 */
export function produceTarSync(
  members: readonly Member[],
  ctx: ProduceContext,
  out: OutChunks,
  emit: (b: Buffer) => void,
  opaqueMarker?: OpaqueMarkerSync,
): void {
  const producer = new SyncProducer(members, ctx, out, opaqueMarker);
  try {
    for (;;) {
      const done = producer.run();
      for (const b of out.drain()) emit(b);
      if (done) return;
    }
  } finally {
    producer.close();
  }
}
