import { existsSync } from 'node:fs';
import { readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '@cs/drivers-overlay';
import { chunksOf, collect, execFileP, hasGoCLI, isRoot, makeEnv, makeTar, sha256, type Env } from './helpers.js';

if (!isRoot) console.warn('overlay-store.test.ts skipped: mounting overlays needs root');
if (!hasGoCLI) console.warn('overlay-store.test.ts: Go CLI missing, interop checks skipped');
const goIt = hasGoCLI ? it : it.skip;

describe.skipIf(!isRoot)('LayerStore (overlay)', () => {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv('overlay');
  });
  afterEach(async () => {
    // Unmount whatever a failed test left mounted before the driver lets go of its home.
    for (const layer of await env.store.layers().catch(() => [])) {
      if (layer.mountCount > 0) await env.store.unmount(layer.id, true).catch(() => {});
    }
    await env.cleanup();
  });

  it('imports into diff/ and replays the tarball byte for byte; a clean read-write mount keeps it replayable', async () => {
    const tar = await makeTar({ 'etc/': '', 'etc/os-release': 'ID=test\n', 'usr/bin/x': 'binary' }, env.root);
    const { layer } = await env.store.put({ names: ['img'] }, chunksOf(tar));
    expect(existsSync(path.join(env.graphRoot, 'overlay', layer.id, 'diff/etc/os-release'))).toBe(true);
    expect((await collect(await env.store.diff(null, layer.id))).equals(tar)).toBe(true);
    const child = await env.store.create({ parent: layer.id, writeable: true });
    const mnt = await env.store.mount(child.id);
    expect(mnt).toBe(path.join(env.graphRoot, 'overlay', child.id, 'merged'));
    expect(await readFile(path.join(mnt, 'etc/os-release'), 'utf8')).toBe('ID=test\n');
    await env.store.unmount(child.id);
    expect(await env.store.diffSource(null, layer.id)).toBe('tar-split');
  });

  it('keeps replaying after a read-write mount of the layer itself that changed nothing', async () => {
    const tar = await makeTar({ 'd/': '', 'd/a': 'alpha' }, env.root);
    const { layer } = await env.store.put({}, chunksOf(tar));
    await new Promise((r) => setTimeout(r, 20));
    // The kernel stores trusted.overlay.uuid on the upper dir (diff/) at the first rw mount.
    const mnt = await env.store.mount(layer.id);
    await readFile(path.join(mnt, 'd/a'));
    await env.store.unmount(layer.id);
    expect(await env.store.diffSource(null, layer.id)).toBe('tar-split');
    // …but a file added right under the root afterwards is noticed.
    const again = await env.store.mount(layer.id);
    await new Promise((r) => setTimeout(r, 20));
    await writeFile(path.join(again, 'top-level-new'), '');
    await env.store.unmount(layer.id);
    expect(await env.store.diffSource(null, layer.id)).toBe('driver');
  });

  it('regenerates the diff after the layer itself was changed through a mount', async () => {
    const tar = await makeTar({ 'a': 'alpha', 'b': '' }, env.root);
    const { layer } = await env.store.put({}, chunksOf(tar));
    const mnt = await env.store.mount(layer.id);
    await new Promise((r) => setTimeout(r, 20));
    await rm(path.join(mnt, 'b'));
    await env.store.unmount(layer.id);
    expect(await env.store.diffSource(null, layer.id)).toBe('driver');
    const out = await collect(await env.store.diff(null, layer.id));
    expect(out.equals(tar)).toBe(false);
    expect(out.includes(Buffer.from('.wh.b'))).toBe(false); // a base layer's regenerated diff is its plain tree
  });

  it('counts overlay mounts and really unmounts at zero', async () => {
    const layer = await env.store.create({ writeable: true });
    const mnt = await env.store.mount(layer.id);
    await env.store.mount(layer.id);
    expect(await env.driver.isMounted(layer.id)).toBe(true);
    expect(await env.store.unmount(layer.id)).toBe(true);
    expect(await env.driver.isMounted(layer.id)).toBe(true);
    expect(await env.store.unmount(layer.id)).toBe(false);
    expect(await env.driver.isMounted(layer.id)).toBe(false);
    // A stale count (mount gone behind our back) is not trusted: mount again.
    await env.store.mount(layer.id);
    await execFileP('umount', [mnt]);
    expect(await env.store.mount(layer.id)).toBe(mnt);
    expect(await env.driver.isMounted(layer.id)).toBe(true);
    await env.store.unmount(layer.id, true);
  });

  goIt('lets the Go CLI mount and diff our layers, and deletes a mounted layer cleanly', async () => {
    const tar = await makeTar({ 'f.txt': 'content\n' }, env.root);
    const { layer } = await env.store.put({ names: ['ours'] }, chunksOf(tar));
    const child = await env.store.create({ parent: layer.id, names: ['ctr'], writeable: true });
    // Go's mount passes a layer name unresolved to the driver (cli.md §1.10): use the ID.
    const goMount = (await env.go('mount', child.id)).trim();
    expect(goMount).toBe(path.join(env.graphRoot, 'overlay', child.id, 'merged'));
    expect(await readFile(path.join(goMount, 'f.txt'), 'utf8')).toBe('content\n');
    await writeFile(path.join(goMount, 'new.txt'), 'added');
    expect(await env.store.mounted('ctr')).toBe(1);
    const changes = await env.store.changes(null, 'ctr');
    expect(changes).toContainEqual({ path: '/new.txt', kind: 1 });
    const goDiff = Buffer.from(await env.go('diff', '-u', 'ours'), 'latin1');
    expect(sha256(goDiff)).toBe(layer.uncompressedDigest);
    await env.store.delete('ctr');
    expect(await env.driver.isMounted(child.id)).toBe(false);
    expect(JSON.parse(await env.go('layers', '--json')).map((l: { id: string }) => l.id)).toEqual([layer.id]);
  });
});
