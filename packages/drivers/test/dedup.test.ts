import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { link, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dedupDirs, DriverError, type DedupHashMethod } from '../src/index.js';
import { mountReflinkFs } from './reflink-fs.js';

/** Physical start of the file's first extent (xfs_io fiemap): equal for files sharing extents. */
function extent(file: string): string {
  const out = execFileSync('xfs_io', ['-r', '-c', 'fiemap', file], { encoding: 'utf8' });
  return out.split('\n')[1]!.split(':')[2]!.trim();
}

const X = randomBytes(300 * 1024);
const Y = randomBytes(70 * 1024);
const Z = Buffer.from(X); // same size as X, one byte different
Z[1234] = Z[1234]! ^ 1;

/**
 * Three "layers": l1 holds x and y, l2 a copy of x (plus a hard link to it), a differing
 * same-size file, a symlink and an empty file, l3 copies of y and of a raw-byte name.
 * Identical across layers: x twice more (l2/x-copy, hard link counted once), y twice more.
 */
async function makeLayers(root: string): Promise<string[]> {
  const [l1, l2, l3] = ['l1', 'l2', 'l3'].map((n) => path.join(root, n)) as [string, string, string];
  await mkdir(path.join(l1, 'sub'), { recursive: true });
  await mkdir(path.join(l2, 'deep', 'er'), { recursive: true });
  await mkdir(l3, { recursive: true });
  await writeFile(path.join(l1, 'x'), X);
  await writeFile(path.join(l1, 'sub', 'y'), Y);
  await writeFile(path.join(l2, 'deep', 'er', 'x-copy'), X);
  await link(path.join(l2, 'deep', 'er', 'x-copy'), path.join(l2, 'x-hardlink'));
  await writeFile(path.join(l2, 'z-differs'), Z);
  await symlink('x-hardlink', path.join(l2, 'symlink'));
  await writeFile(path.join(l2, 'empty'), '');
  await writeFile(path.join(l3, 'y-copy'), Y);
  await writeFile(Buffer.from(path.join(l3, 'raw-\xff-name'), 'latin1'), Y);
  return [l1, l2, l3];
}

describe('dedupDirs on XFS with reflink (loop device)', () => {
  let fsys: Awaited<ReturnType<typeof mountReflinkFs>>;
  beforeAll(async () => {
    fsys = await mountReflinkFs();
    if ('reason' in fsys) console.warn(`[@cs/drivers] skipping dedup tests: no reflink file system: ${fsys.reason}`);
  });
  afterAll(async () => {
    if ('unmount' in fsys) await fsys.unmount();
  });

  for (const method of ['crc', 'size', 'sha256'] as DedupHashMethod[]) {
    it(`shares identical files across layers (${method}); a second run reports the same total`, async (ctx) => {
      // Skipped only where this machine cannot loop-mount XFS with reflink (no loop devices or mkfs.xfs;
      // tools/testing/reflink-fs.sh prints which); CI installs xfsprogs and runs these as root.
      if ('reason' in fsys) return ctx.skip(fsys.reason);
      const root = path.join(fsys.dir, method);
      const dirs = await makeLayers(root);
      expect(extent(path.join(dirs[0]!, 'x'))).not.toBe(extent(path.join(dirs[1]!, 'deep/er/x-copy')));
      const expected = X.length + 2 * Y.length;
      expect(await dedupDirs(dirs, { hashMethod: method })).toEqual({ deduped: expected });
      const x = extent(path.join(dirs[0]!, 'x'));
      expect(extent(path.join(dirs[1]!, 'deep/er/x-copy'))).toBe(x);
      expect(extent(path.join(dirs[1]!, 'z-differs'))).not.toBe(x);
      expect(extent(path.join(dirs[2]!, 'y-copy'))).toBe(extent(path.join(dirs[0]!, 'sub/y')));
      expect(await dedupDirs(dirs, { hashMethod: method })).toEqual({ deduped: expected });
      // Only the given layers count: l1 alone has nothing to share.
      expect(await dedupDirs([dirs[0]!], { hashMethod: method })).toEqual({ deduped: 0 });
      await rm(root, { recursive: true });
    });
  }

  it('skips missing directories', async (ctx) => {
    // Skipped only where this machine cannot loop-mount XFS with reflink (no loop devices or mkfs.xfs;
    // tools/testing/reflink-fs.sh prints which); CI installs xfsprogs and runs these as root.
    if ('reason' in fsys) return ctx.skip(fsys.reason);
    expect(await dedupDirs([path.join(fsys.dir, 'nothing-here')], { hashMethod: 'crc' })).toEqual({ deduped: 0 });
  });
});

describe('dedupDirs without shared extents', () => {
  let root: string;
  beforeAll(async () => {
    root = await mkdtemp('/dev/shm/cs-dedup-');
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('fails with ERR_DRIVER_NOT_SUPPORTED and a clear message once two equal files meet (tmpfs)', async () => {
    const dirs = await makeLayers(path.join(root, 'a'));
    const err = await dedupDirs(dirs, { hashMethod: 'crc' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DriverError);
    expect(err).toMatchObject({ code: 'ERR_DRIVER_NOT_SUPPORTED' });
    // y (found first, in l1/sub) meets its copy in l3 first.
    expect((err as Error).message).toBe(
      `the file system of ${dirs[2]} cannot share file extents (FIDEDUPERANGE: operation not supported); dedup needs XFS with reflink or btrfs`,
    );
  });

  it('has nothing to do (0 bytes) when no two files are equal', async () => {
    const dir = path.join(root, 'single');
    await mkdir(dir);
    await writeFile(path.join(dir, 'one'), X);
    await writeFile(path.join(dir, 'two'), Y);
    expect(await dedupDirs([dir], { hashMethod: 'sha256' })).toEqual({ deduped: 0 });
  });

  it('rejects an unknown hash method', async () => {
    await expect(dedupDirs([root], { hashMethod: 'sha256sum' as DedupHashMethod })).rejects.toMatchObject({
      code: 'ERR_DRIVER_OPTION',
      message: 'invalid hash method: sha256sum',
    });
  });
});
