import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { MNT, MS, mount, umount2 } from '@cs/sys';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockFile } from '../src/index.js';
import { makeTempDir } from './helpers.js';

const isRoot = process.getuid?.() === 0;
if (!isRoot) console.warn('skipping read-only media tests: they mount a tmpfs and need root');

let dir: string;
let cleanup: () => Promise<void>;
let mounted: string | null = null;
const opened: LockFile[] = [];

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  for (const lf of opened.splice(0)) await lf.close().catch(() => {});
  if (mounted) await umount2(mounted, MNT.DETACH).catch(() => {});
  mounted = null;
  await cleanup();
});

describe.skipIf(!isRoot)('a lock file on read-only media (additional image store)', () => {
  it('opens read-only and read-locks an existing lock file; writable opens fail with EROFS', async () => {
    const ro = join(dir, 'ro');
    await mkdir(ro);
    await mount('tmpfs', ro, 'tmpfs', 0, 'size=1m');
    mounted = ro;
    const token = Buffer.alloc(64, 9);
    await writeFile(join(ro, 'images.lock'), token);
    await mount(null, ro, null, MS.REMOUNT | MS.RDONLY, 'size=1m');

    const lf = await LockFile.open(join(ro, 'images.lock'), { readOnly: true });
    opened.push(lf);
    await lf.rLock();
    expect(await lf.getLastWrite()).toEqual(token);
    expect(await lf.modified()).toBe(true);
    expect(await lf.modified()).toBe(false);
    await lf.unlock();

    const writable = await LockFile.open(join(ro, 'images.lock')).catch((e: { code?: string }) => e.code);
    expect(writable).toBe('EROFS');
    const missing = await LockFile.open(join(ro, 'none.lock'), { readOnly: true }).catch((e: { code?: string }) => e.code);
    expect(missing).toBe('EROFS');
    // the read-only object still works after the failed writable open on its path
    await lf.rLock();
    await lf.unlock();
    expect(await readFile(join(ro, 'images.lock'))).toEqual(token);
  });
});
