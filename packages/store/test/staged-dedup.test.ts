import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LayerUnknownError, PartialImagesDisabledError, StagingNotSupportedError, Store } from '../src/index.js';
import { IS_ROOT, collect, makeTar, overlayUsable, streamOf, tempDir, unmountUnder } from './helpers.js';

const overlayOK = await overlayUsable();
if (!overlayOK) console.warn('skipping @cs/store staged-apply tests: needs root and the overlay filesystem');

let dir: string;
const stores: Store[] = [];
async function open(driver: string, pullOptions: Record<string, string> | null, root = path.join(dir, 'root')): Promise<Store> {
  const s = await Store.open({ graphRoot: root, runRoot: path.join(dir, 'run'), driver, pullOptions });
  stores.push(s);
  return s;
}
beforeEach(async () => {
  dir = await tempDir('cs-store-staged-');
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.shutdown(true).catch(() => s.close());
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
});

async function makeSource(files: Record<string, string>): Promise<string> {
  const src = path.join(dir, 'src');
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(src, name)), { recursive: true });
    await writeFile(path.join(src, name), content);
  }
  return src;
}

describe.skipIf(!overlayOK)('Store.applyDirectoryUsingStagingDir (overlay)', () => {
  it('replaces the layer content with the directory and records digests, sizes and tar-split like applyDiff', async () => {
    const store = await open('overlay', { enable_partial_images: 'true' });
    const layer = await store.putLayer({ names: ['L'] }, streamOf(await makeTar(dir, { old: 'old content' })));
    const src = await makeSource({ 'etc/hosts': '127.0.0.1 localhost\n', 'bin/tool': '#!/bin/sh\n', '.wh.old': '' });
    await symlink('tool', path.join(src, 'bin', 'link'));
    const size = await store.applyDirectoryUsingStagingDir('L', src);
    expect(size).toBeGreaterThan(0);

    const rec = await store.layer('L');
    const diffDir = path.join(dir, 'root', 'overlay', layer.layer.id, 'diff');
    expect((await readdir(diffDir)).sort()).toEqual(['bin', 'etc', 'old']); // old is now a whiteout
    expect((await stat(path.join(diffDir, 'old'))).isCharacterDevice()).toBe(true);
    // The record describes the tarball of the directory; diff reproduces it byte for byte from the tar-split.
    const tar = await collect(await store.diff(null, 'L'));
    expect(rec.uncompressedDigest).toBe(`sha256:${createHash('sha256').update(tar).digest('hex')}`);
    expect(rec.uncompressedSize).toBe(tar.length);
    expect(rec.compressedDigest).toBe(rec.uncompressedDigest);
    expect(rec.compression).toBe(0);
    await stat(path.join(dir, 'root', 'overlay-layers', `${layer.layer.id}.tar-split.gz`));
    expect(await readdir(path.join(dir, 'root', 'overlay', 'staging'))).toEqual([]);
    const mnt = await store.mount('L');
    expect((await readdir(mnt)).sort()).toEqual(['bin', 'etc']);
    await store.unmount('L');
  });

  it('needs enable_partial_images = "true" (any case) in the pull options', async () => {
    const src = await makeSource({ f: 'x' });
    for (const pull of [null, {}, { enable_partial_images: 'false' }, { enable_partial_images: '1' }] as Array<Record<string, string> | null>) {
      const store = await open('overlay', pull);
      if (!(await store.layers()).some((l) => l.names.includes('L'))) await store.createLayer({ names: ['L'] });
      await expect(store.applyDirectoryUsingStagingDir('L', src)).rejects.toBeInstanceOf(PartialImagesDisabledError);
      await store.close();
    }
    const store = await open('overlay', { enable_partial_images: 'TRUE' });
    await store.applyDirectoryUsingStagingDir('L', src);
    expect(await collect(await store.diff(null, 'L'))).not.toHaveLength(0);
  });

  it('fails cleanly: unknown layer, missing directory, junk tarball (staging dir removed, record kept)', async () => {
    const store = await open('overlay', { enable_partial_images: 'true' });
    const src = await makeSource({ f: 'x' });
    await expect(store.applyDirectoryUsingStagingDir('nosuch', src)).rejects.toBeInstanceOf(LayerUnknownError);
    await store.putLayer({ names: ['L'] }, streamOf(await makeTar(dir, { keep: 'k' })));
    const before = await store.layer('L');
    await expect(store.applyDirectoryUsingStagingDir('L', path.join(dir, 'missing'))).rejects.toMatchObject({ code: 'ENOENT', syscall: 'lstat' });
    await expect(store.applyDirectoryUsingStagingDir('L', path.join(src, 'f'))).rejects.toMatchObject({ code: 'ENOTDIR' });
    await expect(store.applyStagedDiff('L', streamOf(Buffer.alloc(1000, 3)))).rejects.toThrow();
    expect(await store.layer('L')).toEqual(before);
    expect(await readdir(path.join(dir, 'root', 'overlay', 'staging'))).toEqual([]);
    const mnt = await store.mount('L');
    expect(await readdir(mnt)).toEqual(['keep']);
    await store.unmount('L');
  });
});

describe.skipIf(!IS_ROOT)('Store staged applies and dedup on vfs', () => {
  it('refuses staged applies: the driver has no staging area', async () => {
    const store = await open('vfs', { enable_partial_images: 'true' });
    await store.createLayer({ names: ['L'] });
    const err = await store.applyDirectoryUsingStagingDir('L', await makeSource({ f: 'x' })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StagingNotSupportedError);
    expect((err as Error).message).toBe('graph driver vfs does not support partial pull');
    // Partial images disabled is found first, as upstream's differ checks it first.
    const off = await open('vfs', null, path.join(dir, 'root2'));
    await off.createLayer({ names: ['L'] });
    await expect(off.applyDirectoryUsingStagingDir('L', path.join(dir, 'src'))).rejects.toBeInstanceOf(PartialImagesDisabledError);
  });

  it('dedup looks only at image layers and their ancestors (tmpfs: no extent sharing, so meeting twins fails)', async () => {
    await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp('/dev/shm/cs-store-dedup-');
    const store = await open('vfs', null);
    const same = { 'a/big': 'same bytes '.repeat(500) };
    await store.putLayer({ names: ['base'] }, streamOf(await makeTar(dir, same)));
    await store.putLayer({ names: ['loose'] }, streamOf(await makeTar(dir, same)));
    // No image: nothing to look at, even though two layers hold the same file.
    expect(await store.dedup({ hashMethod: 'crc' })).toEqual({ deduped: 0 });
    await store.createImage({ topLayer: 'base' });
    // One image layer: no twin within it (vfs layers are full copies, 'loose' is not an image layer).
    expect(await store.dedup({ hashMethod: 'sha256' })).toEqual({ deduped: 0 });
    // A child of base is a copy of base: now the twins meet, and tmpfs cannot share extents.
    await store.createLayer({ parent: 'base', names: ['child'] });
    await store.createImage({ topLayer: 'child' });
    await expect(store.dedup({ hashMethod: 'size' })).rejects.toMatchObject({
      code: 'ERR_DRIVER_NOT_SUPPORTED',
      message: expect.stringMatching(/cannot share file extents \(FIDEDUPERANGE: operation not supported\); dedup needs XFS with reflink or btrfs$/),
    });
  });

  it('dedup includes an image\'s mapped top layers (a container with other ID maps), not container layers', async () => {
    await rm(dir, { recursive: true, force: true });
    dir = await mkdtemp('/dev/shm/cs-store-dedup-');
    const store = await open('vfs', null);
    await store.putLayer({ names: ['base'] }, streamOf(await makeTar(dir, { big: 'same bytes '.repeat(500) })));
    const img = await store.createImage({ topLayer: 'base', names: ['img'] });
    await store.createContainer({ image: 'img', names: ['plain'] }); // its layer: a copy of base, not an image layer
    expect(await store.dedup({ hashMethod: 'crc' })).toEqual({ deduped: 0 });
    await store.createContainer({ image: 'img', names: ['mapped'], uidMap: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMap: [{ containerID: 0, hostID: 100000, size: 65536 }] });
    expect((await store.image(img.id)).mappedTopLayers).toHaveLength(1);
    await expect(store.dedup({ hashMethod: 'crc' })).rejects.toMatchObject({ code: 'ERR_DRIVER_NOT_SUPPORTED' });
  });
});
