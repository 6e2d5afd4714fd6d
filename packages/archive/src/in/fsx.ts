import * as fs from 'node:fs';
import { promisify } from 'node:util';

/** The few async fs calls the input side makes, with plain number fds (no FileHandle objects). */
export const fsx = {
  open: promisify(fs.open) as (p: fs.PathLike, flags: number, mode?: number) => Promise<number>,
  // fs.read has a custom promisify that resolves to an object; this resolves to the byte count.
  read: (fd: number, b: Uint8Array, off: number, len: number, pos: number | null): Promise<number> =>
    new Promise((res, rej) => fs.read(fd, b, off, len, pos, (e, n) => (e ? rej(e) : res(n)))),
};

export const O_PATH = 0o10000000;
export const O_CLOEXEC = 0o2000000;
export const { O_DIRECTORY, O_NOFOLLOW, O_CREAT, O_EXCL, O_WRONLY, O_RDONLY } = fs.constants;

export function errCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}
