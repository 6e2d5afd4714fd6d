import { chmod, mkdir, mkdtemp, readdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { isErrno } from '@cs/drivers';
import { lgetxattr, lsetxattr, makedev, mknod, mount, umount2, MNT } from '@cs/sys';
import type { CachedFeature } from './feature-cache.js';
import { parseMountOptions } from './mount-flags.js';

const S_IFCHR = 0o020000;

/** A scratch directory inside the driver home (Go puts its probes there), always removed. */
async function withScratch<T>(home: string, prefix: string, work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(path.join(home, prefix));
  try {
    return await work(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function mountWithOptions(lowerdir: string, upper: string | null, work: string | null, merged: string, mountOpt: string) {
  const { flags, data } = parseMountOptions(mountOpt);
  let opts = `lowerdir=${lowerdir}`;
  if (upper && work) opts += `,upperdir=${upper},workdir=${work}`;
  if (data) opts += `,${data}`;
  await mount('overlay', merged, 'overlay', flags, opts);
}

async function mkdirs(base: string, names: string[], mode = 0o755): Promise<void> {
  for (const n of names) await mkdir(path.join(base, n), { recursive: true, mode });
}

function failure(err: unknown): CachedFeature {
  return { supported: false, text: err instanceof Error ? err.message : String(err) };
}

/** `overlay`: d_type listing, a 0/0 whiteout device and a test mount with two lowers. */
export async function probeOverlay(home: string, mountOpt: string): Promise<CachedFeature> {
  try {
    return await withScratch(home, 'compat', async (td) => {
      await mkdirs(td, ['lower1', 'lower2', 'upper', 'work', 'merged'], 0o700);
      const entries = await readdir(td, { withFileTypes: true });
      if (!entries.every((e) => e.isDirectory())) {
        return { supported: false, text: 'backing filesystem does not report d_type' };
      }
      await mknod(path.join(td, 'upper', 'whiteout'), S_IFCHR, makedev(0, 0));
      await mountWithOptions(`${td}/lower1:${td}/lower2`, `${td}/upper`, `${td}/work`, `${td}/merged`, mountOpt);
      await umount2(`${td}/merged`, MNT.DETACH);
      return { supported: true, text: '' };
    });
  } catch (err) {
    return failure(err);
  }
}

/**
 * `native-diff(<mountopt>)` (Go's doesSupportNativeDiff): the kernel must not copy the opaque
 * flag up, and a directory rename must not leave a redirect xattr in the upper dir.
 */
export async function probeNativeDiff(home: string, mountOpt: string, xattrPrefix: string): Promise<CachedFeature> {
  try {
    return await withScratch(home, 'opaque-bug-check', async (td) => {
      await mkdirs(td, ['l1/d', 'l1/d1', 'l2/d', 'l3', 'work', 'merged']);
      await lsetxattr(path.join(td, 'l2', 'd'), `${xattrPrefix}overlay.opaque`, Buffer.from('y'));
      const merged = path.join(td, 'merged');
      await mountWithOptions(`${td}/l2:${td}/l1`, `${td}/l3`, `${td}/work`, merged, mountOpt);
      try {
        await writeFile(path.join(merged, 'd', 'f'), '', { mode: 0o644 });
        if ((await readXattr(path.join(td, 'l3', 'd'), `${xattrPrefix}overlay.opaque`))?.toString() === 'y') {
          return { supported: false, text: 'opaque flag erroneously copied up, consider update to kernel 4.8 or later to fix' };
        }
        try {
          await rename(path.join(merged, 'd1'), path.join(merged, 'd2'));
        } catch (err) {
          // EXDEV: the kernel has no redirect_dir, so renames are copies and native diff is fine
          if (isErrno(err, 'EXDEV')) return { supported: true, text: '' };
          throw err;
        }
        const redirect = await readXattr(path.join(td, 'l3', 'd2'), `${xattrPrefix}overlay.redirect`);
        if (redirect && redirect.length > 0) {
          return { supported: false, text: 'kernel has CONFIG_OVERLAY_FS_REDIRECT_DIR enabled' };
        }
        return { supported: true, text: '' };
      } finally {
        await umount2(merged, MNT.DETACH);
      }
    });
  } catch (err) {
    return failure(err);
  }
}

/** `metacopy(<mountopt>)`: does a chmod through the mount leave a metadata-only copy-up? */
export async function probeMetacopy(home: string, mountOpt: string, xattrPrefix: string): Promise<CachedFeature> {
  try {
    return await withScratch(home, 'metacopy-check', async (td) => {
      await mkdirs(td, ['l1', 'l2', 'work', 'merged']);
      await writeFile(path.join(td, 'l1', 'f'), '', { mode: 0o700 });
      const merged = path.join(td, 'merged');
      await mountWithOptions(`${td}/l1`, `${td}/l2`, `${td}/work`, merged, mountOpt);
      try {
        await chmod(path.join(merged, 'f'), 0o600);
        const metacopy = await readXattr(path.join(td, 'l2', 'f'), `${xattrPrefix}overlay.metacopy`);
        return { supported: metacopy !== undefined, text: '' };
      } finally {
        await umount2(merged, MNT.DETACH);
      }
    });
  } catch (err) {
    return failure(err);
  }
}

async function readXattr(file: string, name: string): Promise<Buffer | undefined> {
  try {
    return await lgetxattr(file, name);
  } catch (err) {
    if (isErrno(err, 'ENODATA', 'ENOTSUP', 'ENOENT')) return undefined;
    throw err;
  }
}

/** `volatile`: does a test mount with the `volatile` option succeed? */
export async function probeVolatile(home: string): Promise<CachedFeature> {
  try {
    return await withScratch(home, 'compat', async (td) => {
      await mkdirs(td, ['lower', 'upper', 'work', 'merged'], 0o700);
      await mountWithOptions(`${td}/lower`, `${td}/upper`, `${td}/work`, `${td}/merged`, 'volatile');
      await umount2(`${td}/merged`, MNT.DETACH);
      return { supported: true, text: '' };
    });
  } catch (err) {
    return failure(err);
  }
}
