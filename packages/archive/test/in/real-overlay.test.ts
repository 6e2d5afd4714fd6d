import { createReadStream } from 'node:fs';
import { lstat, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as sys from '@cs/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTar } from '../../src/in/index.js';
import { replay, sha } from './apply-helpers.js';
import { BENCH, hasBench, isRoot, skipNote, tempDirs } from './helpers.js';

const dirs = tempDirs();
const mounts: string[] = [];
afterEach(async () => {
  for (const m of mounts.splice(0)) await sys.umount2(m, sys.MNT.DETACH).catch(() => undefined);
  await dirs.cleanup();
});

describe.skipIf(skipNote(hasBench && isRoot, `bench data in ${BENCH} and root (overlay mount) are needed`))('real layers in a real overlay mount', () => {
  it('base.tar.gz then upper.tar.gz with the overlay output: deletions and opaque dirs take effect', async () => {
    const lower = await dirs.make();
    const upper = await dirs.make();
    const base = await applyTar(lower, createReadStream(join(BENCH, 'base.tar.gz')), { whiteouts: 'overlay', recordTarSplit: true });
    expect(base.compression).toBe('gzip');
    expect(base.compressedDigest).toBe('sha256:68141d471fcd61a82bc026af3e559fdf9ec9e232d441ace40299939d2735f3d3');
    expect(base.uncompressedDigest).toBe('sha256:84e8909b7916ea7e2602a0056a52ec87a735b94addf0dea358065d5282198ad0');
    const up = await applyTar(upper, createReadStream(join(BENCH, 'upper.tar.gz')), { whiteouts: 'overlay', recordTarSplit: true, lowerDirs: [lower] });
    expect(up.uncompressedDigest).toBe('sha256:52403843b2b50d9260383bef8c6216cabde399bafacbc2cc5660c8a50175a367');
    expect((await lstat(join(upper, 'etc/issue'))).isCharacterDevice()).toBe(true);
    expect((await sys.lgetxattr(join(upper, 'usr/share/locale'), 'trusted.overlay.opaque')).toString()).toBe('y');

    const lowerLocale = await readdir(join(lower, 'usr/share/locale'));
    const upperLocale = await readdir(join(upper, 'usr/share/locale'));
    expect(lowerLocale.some((n) => !upperLocale.includes(n))).toBe(true); // the opaque dir hides something

    const work = await dirs.make();
    const merged = await dirs.make();
    await sys.mount('overlay', merged, 'overlay', 0, `lowerdir=${lower},upperdir=${upper},workdir=${work}`);
    mounts.push(merged);
    await expect(lstat(join(merged, 'etc/issue'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(lstat(join(merged, 'etc/motd'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect((await readdir(join(merged, 'usr/share/locale'))).sort()).toEqual([...upperLocale].sort());
    expect((await readdir(join(merged, 'var/cache/apt'))).sort()).toEqual((await readdir(join(upper, 'var/cache/apt'))).sort());
    expect((await lstat(join(merged, 'etc/passwd'))).isFile()).toBe(true);

    // both layers replay byte for byte from their own diff dirs
    const t0 = await replay(base.tarSplit!, [lower]);
    expect(sha(t0)).toBe(base.uncompressedDigest);
    const t1 = await replay(up.tarSplit!, [upper, lower]);
    expect(sha(t1)).toBe(up.uncompressedDigest);
  }, 180_000);
});
