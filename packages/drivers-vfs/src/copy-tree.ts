import { constants as fsc, type BigIntStats } from 'node:fs';
import { chmod, copyFile, link, lchown, lstat, mkdir, readdir, readlink, symlink } from 'node:fs/promises';
import path from 'node:path';
import { lgetxattr, llistxattr, lsetxattr, lutimens, mknod } from '@cs/sys';
import { Limiter } from './limit.js';

const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
const S_IFREG = 0o100000;
const S_IFLNK = 0o120000;

export interface CopyTreeOpts {
  /** how many files are copied at once */
  concurrency?: number;
}

/**
 * Copies a directory tree the way Go's vfs driver does (drivers/copy DirCopy): regular files
 * by reflink where the filesystem can (COPYFILE_FICLONE falls back to a plain copy), hard links
 * kept as hard links, devices, FIFOs and sockets re-created, symlinks copied verbatim, and
 * owner, mode, xattrs and nanosecond times preserved. `dst` must not exist; its root gets
 * the metadata of `src`.
 */
export async function copyTree(src: string, dst: string, opts: CopyTreeOpts = {}): Promise<void> {
  const copier = new TreeCopier(opts.concurrency ?? 64);
  await copier.copyDir(src, dst, await lstat(src, { bigint: true }));
}

class TreeCopier {
  private readonly limiter: Limiter;
  /** first destination path per source inode, for hard links */
  private readonly inodes = new Map<string, Promise<string>>();

  constructor(concurrency: number) {
    this.limiter = new Limiter(concurrency);
  }

  async copyDir(src: string, dst: string, st: BigIntStats): Promise<void> {
    await mkdir(dst, { mode: 0o700 });
    const names = await readdir(src);
    await Promise.all(
      names.map(async (name) => {
        const from = path.join(src, name);
        const to = path.join(dst, name);
        const childSt = await this.limiter.run(() => lstat(from, { bigint: true }));
        if ((Number(childSt.mode) & S_IFMT) === S_IFDIR) await this.copyDir(from, to, childSt);
        else await this.limiter.run(() => this.copyNonDir(from, to, childSt));
      }),
    );
    // Metadata last: times would move while children are written, and a 0555 dir stays writable for root.
    await this.applyMetadata(src, dst, st);
  }

  private async copyNonDir(src: string, dst: string, st: BigIntStats): Promise<void> {
    const type = Number(st.mode) & S_IFMT;
    if (st.nlink > 1n && type !== S_IFDIR) {
      const key = `${st.dev}:${st.ino}`;
      const first = this.inodes.get(key);
      if (first) {
        await link(await first, dst);
        return;
      }
      let settle!: (p: string) => void;
      let fail!: (e: unknown) => void;
      this.inodes.set(key, new Promise<string>((res, rej) => ((settle = res), (fail = rej))));
      try {
        await this.createNonDir(src, dst, st, type);
        settle(dst);
      } catch (err) {
        fail(err);
        throw err;
      }
      return;
    }
    await this.createNonDir(src, dst, st, type);
  }

  private async createNonDir(src: string, dst: string, st: BigIntStats, type: number): Promise<void> {
    if (type === S_IFREG) {
      // libuv's copyfile fchmods the copy to the source's full mode, setuid bits included
      await copyFile(src, dst, fsc.COPYFILE_FICLONE | fsc.COPYFILE_EXCL);
      await this.applyMetadata(src, dst, st, { modeSet: true });
      return;
    }
    if (type === S_IFLNK) await symlink(await readlink(src, { encoding: 'buffer' }), dst);
    else await mknod(dst, (Number(st.mode) & S_IFMT) | (Number(st.mode) & 0o7777), Number(st.rdev));
    await this.applyMetadata(src, dst, st);
  }

  private async applyMetadata(src: string, dst: string, st: BigIntStats, fresh: FreshState = {}): Promise<void> {
    const isLink = (Number(st.mode) & S_IFMT) === S_IFLNK;
    const uid = Number(st.uid);
    const gid = Number(st.gid);
    // New objects belong to us already; skipping the no-op chown saves a thread-pool hop per file.
    const chowned = uid !== MY_UID || gid !== MY_GID;
    if (chowned) await lchown(dst, uid, gid);
    // chmod after chown (chown clears setuid/setgid); copyFile already gave regular files their mode
    if (!isLink && (chowned || !fresh.modeSet)) await chmod(dst, Number(st.mode) & 0o7777);
    await copyXattrs(src, dst);
    await lutimens(dst, st.atimeNs, st.mtimeNs);
  }
}

interface FreshState {
  /** the object was created with exactly the source's mode bits */
  modeSet?: boolean;
}

const MY_UID = process.geteuid?.() ?? -1;
const MY_GID = process.getegid?.() ?? -1;

async function copyXattrs(src: string, dst: string): Promise<void> {
  let names: string[];
  try {
    names = await llistxattr(src);
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOTSUP') return;
    throw err;
  }
  for (const name of names) {
    await lsetxattr(dst, name, await lgetxattr(src, name));
  }
}
