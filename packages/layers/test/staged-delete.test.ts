import { open, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '@cs/drivers-overlay';
import { ofdTryLock } from '@cs/sys';
import { chunksOf, hasGoCLI, isRoot, makeEnv, makeTar, type Env } from './helpers.js';

/** The driver's staged-deletion root: `tempdirs/` in the driver home. */
const tempdirsOf = (env: Env) => path.join(env.graphRoot, env.driverName, 'tempdirs');

/** Is the lock file free (no live owner)? A fresh descriptor's OFD lock conflicts with ours too. */
async function lockIsFree(file: string): Promise<boolean> {
  const h = await open(file, 'r+');
  try {
    return await ofdTryLock(h.fd, 'w');
  } finally {
    await h.close();
  }
}

for (const driverName of ['vfs', 'overlay']) {
  describe.skipIf(!isRoot)(`staged deletions (${driverName})`, () => {
    let env: Env;
    beforeEach(async () => {
      env = await makeEnv(driverName);
    });
    afterEach(async () => {
      await env.cleanup();
    });

    it('stages the pieces under locked lock-* files while the layer lock is held, deletes them after', async () => {
      const { layer } = await env.store.put({ names: ['doomed'] }, chunksOf(await makeTar({ f: 'x' }, env.root)));
      await env.store.setBigData('doomed', 'k', Buffer.from('v'));
      const driverDir = driverName === 'vfs' ? path.join(env.graphRoot, 'vfs/dir', layer.id) : path.join(env.graphRoot, 'overlay', layer.id);
      const seen = await env.store.withWriteLock(async () => {
        await env.store.delete(layer.id);
        // Still under layers.lock: the data is gone from its place and waits in the temp dirs.
        await expect(stat(driverDir)).rejects.toMatchObject({ code: 'ENOENT' });
        const tmp = (await readdir(env.store.paths.tmpDir)).sort();
        const drv = (await readdir(tempdirsOf(env))).sort();
        const tmpLock = tmp.find((n) => n.startsWith('lock-'))!;
        const drvLock = drv.find((n) => n.startsWith('lock-'))!;
        const staged = {
          tmp,
          drv,
          tmpStaged: (await readdir(path.join(env.store.paths.tmpDir, tmpLock.replace('lock-', 'temp-dir-')))).sort(),
          drvStaged: (await readdir(path.join(tempdirsOf(env), drvLock.replace('lock-', 'temp-dir-')))).sort(),
          tmpLockFree: await lockIsFree(path.join(env.store.paths.tmpDir, tmpLock)),
          drvLockFree: await lockIsFree(path.join(tempdirsOf(env), drvLock)),
        };
        return staged;
      });
      expect(seen.tmp).toEqual([expect.stringMatching(/^lock-\d+$/), expect.stringMatching(/^temp-dir-\d+$/)]);
      expect(seen.tmpStaged).toEqual(['0', '1']); // tar-split, big-data dir
      // overlay stages the l/ link and the layer dir, vfs the layer dir
      expect(seen.drvStaged).toEqual(driverName === 'overlay' ? ['0', '1'] : ['0']);
      expect(seen.tmpLockFree).toBe(false);
      expect(seen.drvLockFree).toBe(false);
      // Released: everything staged is gone, the roots stay (as HEAD).
      expect(await readdir(env.store.paths.tmpDir)).toEqual([]);
      expect(await readdir(tempdirsOf(env))).toEqual([]);
      expect(await env.store.layers()).toEqual([]);
      if (driverName === 'overlay') expect(await readdir(path.join(env.graphRoot, 'overlay/l'))).toEqual([]);
    });

    it('a writer removes staged deletions of dead owners and keeps live ones', async () => {
      const make = async (root: string, id: string) => {
        await mkdir(path.join(root, `temp-dir-${id}`, '0'), { recursive: true });
        await writeFile(path.join(root, `temp-dir-${id}`, '0', 'payload'), 'x');
        await writeFile(path.join(root, `lock-${id}`), '');
      };
      for (const root of [env.store.paths.tmpDir, tempdirsOf(env)]) {
        await make(root, '111'); // owner died: lock free
        await make(root, '222'); // owner alive: we hold its lock on another descriptor
        await mkdir(path.join(root, 'temp-dir-333'), { recursive: true }); // no lock file at all
      }
      const live = await Promise.all([env.store.paths.tmpDir, tempdirsOf(env)].map((r) => open(path.join(r, 'lock-222'), 'r+')));
      try {
        for (const h of live) expect(await ofdTryLock(h.fd, 'w')).toBe(true);
        const other = await env.reopen(); // a writable open loads under the write lock
        await other.close();
        for (const root of [env.store.paths.tmpDir, tempdirsOf(env)]) {
          expect((await readdir(root)).sort()).toEqual(['lock-222', 'temp-dir-222']);
        }
      } finally {
        for (const h of live) await h.close();
      }
      // Once the owner is gone, the next writer cleans up.
      const again = await env.reopen();
      await again.close();
      for (const root of [env.store.paths.tmpDir, tempdirsOf(env)]) expect(await readdir(root)).toEqual([]);
    });

    it.skipIf(!hasGoCLI)('Go 1.43 reads, mounts and deletes in a store holding staged deletions', async () => {
      const { layer: base } = await env.store.put({ names: ['base'] }, chunksOf(await makeTar({ 'a.txt': 'A' }, env.root)));
      const gone = await env.store.create({ parent: 'base', names: ['gone'] });
      await env.store.delete(gone.id);
      // A crashed deleter's leftovers (lock free) in both places.
      for (const root of [env.store.paths.tmpDir, tempdirsOf(env)]) {
        await mkdir(path.join(root, 'temp-dir-5', '0'), { recursive: true });
        await writeFile(path.join(root, 'lock-5'), '');
      }
      expect(await env.go('layers')).toContain(base.id);
      expect(await env.go('layers')).not.toContain(gone.id);
      const child = (await env.go('create-layer', 'base')).trim();
      const mnt = (await env.go('mount', child)).trim();
      expect(await readFile(path.join(mnt, 'a.txt'), 'utf8')).toBe('A');
      await env.go('unmount', child);
      await env.go('delete-layer', child);
      expect((await env.store.layers()).map((l) => l.id)).toEqual([base.id]);
    });
  });
}
