/** Thin promise wrappers over fs callbacks: cheaper than FileHandle objects in hot loops. */
import * as fs from 'node:fs';

export function lstatBig(p: string | Buffer): Promise<fs.BigIntStats> {
  return new Promise((resolve, reject) => fs.lstat(p, { bigint: true }, (e, st) => (e ? reject(e) : resolve(st))));
}

export function statBig(p: string | Buffer): Promise<fs.BigIntStats> {
  return new Promise((resolve, reject) => fs.stat(p, { bigint: true }, (e, st) => (e ? reject(e) : resolve(st))));
}

export function readlinkBytes(p: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) =>
    fs.readlink(p, { encoding: 'buffer' }, (e, target) => (e ? reject(e) : resolve(target.toString('latin1')))),
  );
}

export function openRead(p: string | Buffer): Promise<number> {
  return new Promise((resolve, reject) =>
    fs.open(p, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW, (e, fd) => (e ? reject(e) : resolve(fd))),
  );
}

export function readAt(fd: number, buf: Buffer, off: number, len: number, pos: number): Promise<number> {
  return new Promise((resolve, reject) => fs.read(fd, buf, off, len, pos, (e, n) => (e ? reject(e) : resolve(n))));
}

export function closeFd(fd: number): Promise<void> {
  return new Promise((resolve) => fs.close(fd, () => resolve()));
}

export function readdirTyped(p: string | Buffer): Promise<fs.Dirent[]> {
  return new Promise((resolve, reject) =>
    // latin1 names keep raw bytes one char per byte (see byte-paths.ts)
    fs.readdir(p, { withFileTypes: true, encoding: 'latin1' as BufferEncoding }, (e, d) => (e ? reject(e) : resolve(d))),
  );
}

/**
 * Fills `buf[0..len)` from the file at `pos`; a file that shrank meanwhile leaves zeros, so the
 * tar stays well-formed (upstream would abort the stream instead).
 */
export async function readFully(fd: number, buf: Buffer, len: number, pos: number): Promise<void> {
  let done = 0;
  while (done < len) {
    const n = await readAt(fd, buf, done, len - done, pos + done);
    if (n === 0) {
      buf.fill(0, done, len);
      return;
    }
    done += n;
  }
}

export function errCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}
