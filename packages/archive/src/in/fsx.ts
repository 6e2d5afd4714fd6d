import * as fs from 'node:fs';
import { promisify } from 'node:util';

/**
 * Callback fs calls as promises with plain number fds: cheaper than fs.promises' FileHandle
 * objects when tens of thousands of small files are created.
 */
export const fsx = {
  open: promisify(fs.open) as (p: fs.PathLike, flags: number, mode?: number) => Promise<number>,
  close: promisify(fs.close) as (fd: number) => Promise<void>,
  // fs.write/fs.read have a custom promisify that resolves to objects; these resolve to byte counts.
  write: (fd: number, b: Uint8Array, off: number, len: number, pos: number | null): Promise<number> =>
    new Promise((res, rej) => fs.write(fd, b, off, len, pos, (e, n) => (e ? rej(e) : res(n)))),
  fchown: promisify(fs.fchown),
  fchmod: promisify(fs.fchmod) as (fd: number, mode: number) => Promise<void>,
  lchown: promisify(fs.lchown),
  chmod: promisify(fs.chmod) as (p: fs.PathLike, mode: number) => Promise<void>,
  mkdir: promisify(fs.mkdir) as unknown as (p: fs.PathLike, mode: number) => Promise<void>,
  symlink: promisify(fs.symlink) as (target: fs.PathLike, p: fs.PathLike) => Promise<void>,
  link: promisify(fs.link),
  unlink: promisify(fs.unlink),
  lstat: promisify(fs.lstat) as (p: fs.PathLike) => Promise<fs.Stats>,
  readlink: promisify(fs.readlink) as unknown as (p: fs.PathLike, o: { encoding: 'buffer' }) => Promise<Buffer>,
  readdir: promisify(fs.readdir) as unknown as (p: fs.PathLike, o: { encoding: 'buffer' }) => Promise<Buffer[]>,
  rm: promisify(fs.rm) as (p: fs.PathLike, o: fs.RmOptions) => Promise<void>,
  read: (fd: number, b: Uint8Array, off: number, len: number, pos: number | null): Promise<number> =>
    new Promise((res, rej) => fs.read(fd, b, off, len, pos, (e, n) => (e ? rej(e) : res(n)))),
};

export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
export const { O_DIRECTORY, O_NOFOLLOW, O_CREAT, O_EXCL, O_WRONLY, O_RDONLY } = fs.constants;

export function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
