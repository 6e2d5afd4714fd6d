import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fideduperange } from '../src/index.js';
import { makeTempDir, rejection, removeDir } from './helpers.js';

const REFLINK_FS = fileURLToPath(new URL('../../../tools/testing/reflink-fs.sh', import.meta.url));

/** Opens src read-only and each dest write-only, runs fn, closes them all. */
async function withFds<T>(src: string, dests: string[], fn: (src: number, dests: number[]) => Promise<T>): Promise<T> {
  const s = await open(src, 'r');
  const ds = await Promise.all(dests.map((d) => open(d, 'r+')));
  try {
    return await fn(s.fd, ds.map((d) => d.fd));
  } finally {
    await s.close();
    for (const d of ds) await d.close();
  }
}

const firstLine = (s: string): string => s.split('\n')[0]!;

/** Physical block of the file's first extent (xfs_io fiemap), to see sharing with our own eyes. */
function firstExtent(file: string): string {
  const out = execFileSync('xfs_io', ['-r', '-c', 'fiemap', file], { encoding: 'utf8' });
  return out.split('\n')[1]!.split(':')[2]!.trim();
}

describe('fideduperange on XFS with reflink (loop device)', () => {
  let mnt: string | undefined;
  let skipReason = '';
  beforeAll(async () => {
    const base = await makeTempDir('cs-sys-dedupe-');
    mnt = join(base, 'xfs');
    const up = spawnSync(REFLINK_FS, ['up', mnt, '300'], { encoding: 'utf8' });
    if (up.status !== 0) {
      skipReason = up.stdout.trim() || up.stderr.trim();
      await removeDir(base);
      mnt = undefined;
    }
  });
  afterAll(async () => {
    if (mnt) {
      spawnSync(REFLINK_FS, ['down', mnt]);
      await removeDir(join(mnt, '..'));
    }
  });

  it('shares equal files, reports "differs" for unequal ones, and reports the full length again on a second run', async (ctx) => {
    // Skipped only where this machine cannot loop-mount XFS with reflink (no loop devices or mkfs.xfs;
    // tools/testing/reflink-fs.sh prints which); CI installs xfsprogs and runs these as root.
    if (!mnt) console.warn(`[@cs/sys] skipping: no reflink file system: ${skipReason}`);
    ctx.skip(!mnt, skipReason);
    const data = randomBytes(256 * 1024);
    const other = Buffer.from(data);
    other[100_000] = other[100_000]! ^ 0xff;
    await writeFile(join(mnt!, 'a'), data);
    await writeFile(join(mnt!, 'b'), data);
    await writeFile(join(mnt!, 'c'), other);
    expect(firstExtent(join(mnt!, 'a'))).not.toBe(firstExtent(join(mnt!, 'b')));

    const dests = [join(mnt!, 'b'), join(mnt!, 'c')];
    const first = await withFds(join(mnt!, 'a'), dests, (s, d) => fideduperange(s, 0, data.length, d.map((fd) => ({ fd }))));
    expect(first).toEqual([
      { bytesDeduped: data.length, status: 'same' },
      { bytesDeduped: 0, status: 'differs' },
    ]);
    expect(firstExtent(join(mnt!, 'a'))).toBe(firstExtent(join(mnt!, 'b')));
    expect(firstExtent(join(mnt!, 'a'))).not.toBe(firstExtent(join(mnt!, 'c')));

    // Already shared: the kernel still answers with the whole length (dedup's "bytes shared so far").
    const again = await withFds(join(mnt!, 'a'), [dests[0]!], (s, d) => fideduperange(s, 0, data.length, [{ fd: d[0]!, offset: 0 }]));
    expect(again).toEqual([{ bytesDeduped: data.length, status: 'same' }]);
  });

  it('answers per destination with an error object (a range past the end of one file)', async (ctx) => {
    // Skipped only where this machine cannot loop-mount XFS with reflink (no loop devices or mkfs.xfs;
    // tools/testing/reflink-fs.sh prints which); CI installs xfsprogs and runs these as root.
    ctx.skip(!mnt, skipReason);
    await writeFile(join(mnt!, 'long'), randomBytes(64 * 1024));
    await writeFile(join(mnt!, 'short'), randomBytes(4096));
    const res = await withFds(join(mnt!, 'long'), [join(mnt!, 'short')], (s, d) =>
      fideduperange(s, 0, 64 * 1024, [{ fd: d[0]!, offset: 8192 }]),
    );
    expect(res).toHaveLength(1);
    expect(res[0]!.bytesDeduped).toBe(0);
    expect(res[0]!.status).toBe('error');
    expect(res[0]!.error).toMatchObject({ code: 'EINVAL', syscall: 'ioctl' });
  });
});

describe('fideduperange elsewhere', () => {
  it('is refused with EOPNOTSUPP on file systems without shared extents (the temp dir, tmpfs)', async () => {
    const dir = await makeTempDir('cs-sys-dedupe-');
    const shm = await mkdtemp('/dev/shm/cs-sys-dedupe-');
    try {
      for (const d of [dir, shm]) {
        if (firstLine(execFileSync('stat', ['-f', '-c', '%T', d], { encoding: 'utf8' })).match(/xfs|btrfs/)) continue;
        await writeFile(join(d, 'a'), 'same bytes');
        await writeFile(join(d, 'b'), 'same bytes');
        const err = await rejection(withFds(join(d, 'a'), [join(d, 'b')], (s, fds) => fideduperange(s, 0, 10, [{ fd: fds[0]! }])));
        expect(err).toMatchObject({ code: 'EOPNOTSUPP', syscall: 'ioctl' });
      }
    } finally {
      await removeDir(dir);
      await removeDir(shm);
    }
  });

  it('rejects bad arguments with TypeErrors', async () => {
    expect((await rejection(fideduperange(-1, 0, 1, [{ fd: 0 }]))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(fideduperange(0, -1, 1, [{ fd: 0 }]))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(fideduperange(0, 0, 1, []))).code).toBe('ERR_OUT_OF_RANGE');
    expect((await rejection(fideduperange(0, 0, 1, 'x' as never))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(fideduperange(0, 0, 1, [5 as never]))).code).toBe('ERR_INVALID_ARG_TYPE');
    expect((await rejection(fideduperange(0, 0, 1, [{ fd: 'x' as never }]))).code).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('reports a bad source descriptor as EBADF', async () => {
    const dir = await makeTempDir('cs-sys-dedupe-');
    try {
      await writeFile(join(dir, 'b'), 'x');
      const fh = await open(join(dir, 'b'), 'r+');
      const err = await rejection(fideduperange(999_999, 0, 1, [{ fd: fh.fd }]));
      await fh.close();
      expect(err).toMatchObject({ code: 'EBADF', syscall: 'ioctl' });
    } finally {
      await removeDir(dir);
    }
  });
});
