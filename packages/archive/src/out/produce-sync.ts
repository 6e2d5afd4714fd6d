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
  xattrs.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
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

/**
 * Copies exactly `size` bytes of a file into the output. The header is out already, so a file
 * that vanished, shrank or cannot be read (e.g. replaced by a directory) is zero-padded to keep
 * the archive well-formed, and reported through `onProblem` (upstream's stream breaks instead).
 */
function copyFileSync(
  path: string | Buffer,
  size: number,
  out: OutChunks,
  onChunk: () => void,
  onProblem: (err: unknown) => void,
): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(path, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW);
  } catch (err) {
    onProblem(err);
  }
  try {
    let done = 0;
    while (done < size) {
      const { buf, offset, length } = out.space();
      const want = Math.min(length, size - done);
      let n = 0;
      if (fd !== undefined) {
        try {
          n = fs.readSync(fd, buf, offset, want, done);
        } catch (err) {
          onProblem(err);
          fs.closeSync(fd);
          fd = undefined;
        }
      }
      if (n === 0) {
        buf.fill(0, offset, offset + want);
        out.advance(want);
        done += want;
      } else {
        out.advance(n);
        done += n;
      }
      if (out.ready.length > 0) onChunk();
    }
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * Produces the tar synchronously, handing each finished chunk to `emit` (which may block the
 * worker for flow control). For the overlay diff, ctx.overlay plus `opaqueMarker` do the conversion.
 */
export function produceTarSync(
  members: readonly Member[],
  ctx: ProduceContext,
  out: OutChunks,
  emit: (b: Buffer) => void,
  opaqueMarker?: OpaqueMarkerSync,
): void {
  const seenInodes = new Map<bigint, string>();
  const scratch = Buffer.alloc(512); // headers are copied into `out` at once
  const drain = () => {
    for (const b of out.drain()) emit(b);
  };
  for (const m of members) {
    if (m.kind === 'delete') {
      out.add(encodeHeader(deletionHeader(m.rel), scratch));
      drain();
      continue;
    }
    let prepared: Prepared;
    try {
      prepared = prepareSync(m.rel, ctx, opaqueMarker);
    } catch (err) {
      ctx.onSkip?.(m.rel, err);
      continue;
    }
    const built = buildHeaders(prepared, ctx, seenInodes);
    if ('skip' in built) {
      ctx.onSkip?.(m.rel, built.skip);
      continue;
    }
    const { hdr, marker } = built;
    out.add(encodeHeader(hdr, scratch));
    if (marker !== undefined) out.add(encodeHeader(marker, scratch));
    if (hdr.typeflag === TYPE_REG && hdr.size > 0) {
      copyFileSync(fsPath(joinBytes(ctx.root, m.rel)), hdr.size, out, drain, (err) => ctx.onSkip?.(m.rel, err));
      out.zeros(paddingFor(hdr.size));
    }
    drain();
  }
  out.add(END_OF_ARCHIVE);
  out.flush();
  drain();
}

