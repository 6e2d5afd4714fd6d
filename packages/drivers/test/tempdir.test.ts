import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TempDir, recoverStaleTempDirs } from '../src/index.js';

/** Holds a POSIX fcntl write lock (what Go's staging lock file uses) from another process. */
async function holdPosixLock(file: string): Promise<() => Promise<void>> {
  const py = 'import fcntl,sys\nf=open(sys.argv[1],"r+")\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint("ok",flush=True)\nsys.stdin.read()\n';
  const child = spawn('python3', ['-c', py, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return async () => {
    child.stdin.end();
    await new Promise((r) => child.once('exit', r));
  };
}

describe('staged-deletion temp dirs (HEAD internal/tempdir)', () => {
  let root: string;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-tempdir-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('stages paths under a live lock and deletes them on cleanup', async () => {
    const victim = path.join(root, 'victim');
    await mkdir(path.join(victim, 'sub'), { recursive: true });
    await writeFile(path.join(root, 'file'), 'x');
    const td = await TempDir.create(path.join(root, 'tmp'));
    expect(path.basename(td.lockPath)).toMatch(/^lock-\d+$/);
    expect(await td.stage(path.join(root, 'missing'))).toBe(false);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([path.basename(td.lockPath)]); // temp dir made lazily
    expect(await td.stage(victim)).toBe(true);
    expect(await td.stage(path.join(root, 'file'))).toBe(true);
    expect((await readdir(td.dir)).sort()).toEqual(['0', '1']);
    // A recovery pass (another store, or this process) leaves the live one alone.
    await recoverStaleTempDirs(path.join(root, 'tmp'));
    expect((await readdir(td.dir)).sort()).toEqual(['0', '1']);
    await td.cleanup();
    await td.cleanup(); // idempotent
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
    await expect(td.stage(path.join(root, 'tmp'))).rejects.toMatchObject({ code: 'ERR_TEMP_DIR' });
  });

  it('recovery removes dead owners, orphans without a lock file, and respects a Go (POSIX) lock', async () => {
    const tmp = path.join(root, 'tmp');
    await mkdir(path.join(tmp, 'temp-dir-1', '0'), { recursive: true });
    await writeFile(path.join(tmp, 'lock-1'), '');
    await mkdir(path.join(tmp, 'temp-dir-2'), { recursive: true }); // lock file gone
    await writeFile(path.join(tmp, 'lock-3'), ''); // lock file only
    await mkdir(path.join(tmp, 'temp-dir-4', '0'), { recursive: true });
    await writeFile(path.join(tmp, 'lock-4'), '');
    await writeFile(path.join(tmp, 'unrelated'), 'kept');
    const release = await holdPosixLock(path.join(tmp, 'lock-4'));
    try {
      await recoverStaleTempDirs(tmp);
      expect((await readdir(tmp)).sort()).toEqual(['lock-4', 'temp-dir-4', 'unrelated']);
    } finally {
      await release();
    }
    await recoverStaleTempDirs(tmp);
    expect(await readdir(tmp)).toEqual(['unrelated']);
    await recoverStaleTempDirs(path.join(root, 'nonexistent')); // nothing to do
    await expect(recoverStaleTempDirs(path.join(tmp, 'unrelated'))).resolves.toBeUndefined(); // not a directory
  });

  it('fails clearly when the root cannot be made', async () => {
    await writeFile(path.join(root, 'plain'), '');
    await expect(TempDir.create(path.join(root, 'plain', 'tmp'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(stat(path.join(root, 'plain'))).resolves.toBeDefined();
  });
});
