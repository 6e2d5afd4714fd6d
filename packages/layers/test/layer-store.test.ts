import { existsSync } from 'node:fs';
import { chmod, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync, gunzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CorruptFileError,
  DuplicateLayerIDError,
  DuplicateLayerNameError,
  InvalidLayerIDError,
  LayerDataNotFoundError,
  LayerHasChildrenError,
  LayerStore,
  LayerUnknownError,
  ReadOnlyStoreError,
  UnsupportedDiffCompressionError,
} from '../src/index.js';
import { openDriver } from '@cs/drivers';
import { chunksOf, collect, hasGoCLI, makeEnv, makeTar, sha256, type Env } from './helpers.js';

const goIt = hasGoCLI ? it : it.skip;
if (!hasGoCLI) console.warn('containers-storage (Go CLI) not found: interop checks in layer-store.test.ts are skipped');

describe('LayerStore (vfs)', () => {
  let env: Env;
  beforeEach(async () => {
    env = await makeEnv('vfs');
  });
  afterEach(async () => {
    await env.cleanup();
  });

  it('creates layers with names and parents, and resolves IDs, names and prefixes', async () => {
    const base = await env.store.create({ names: ['base', 'alias'] });
    const child = await env.store.create({ parent: 'base', names: ['child'] });
    expect(base.id).toMatch(/^[0-9a-f]{64}$/);
    expect(child.parent).toBe(base.id);
    expect((await env.store.get('alias')).id).toBe(base.id);
    expect((await env.store.get(child.id.slice(0, 10))).id).toBe(child.id);
    expect(await env.store.lookup('child')).toBe(child.id);
    expect(await env.store.exists('nope')).toBe(false);
    expect((await env.store.layers()).map((l) => l.id)).toEqual([base.id, child.id]);
    const json = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    expect(json[0]).toEqual({ id: base.id, names: ['base', 'alias'], created: expect.any(String) });
    expect(existsSync(path.join(env.graphRoot, 'vfs/dir', child.id))).toBe(true);
  });

  it('refuses duplicate IDs and names, unknown parents and unusable IDs with typed errors', async () => {
    const a = await env.store.create({ id: 'a'.repeat(64), names: ['taken'] });
    await expect(env.store.create({ id: a.id })).rejects.toBeInstanceOf(DuplicateLayerIDError);
    // Go's layer store returns its bare sentinels (cli.md §3.15).
    await expect(env.store.create({ id: a.id })).rejects.toMatchObject({ code: 'ERR_DUPLICATE_ID', message: 'that ID is already in use' });
    await expect(env.store.create({ names: ['taken'] })).rejects.toMatchObject({
      code: 'ERR_DUPLICATE_NAME',
      message: 'that name is already in use',
    });
    await expect(env.store.create({ names: ['taken'] })).rejects.toBeInstanceOf(DuplicateLayerNameError);
    await expect(env.store.create({ parent: 'nosuch' })).rejects.toMatchObject({ code: 'ERR_LAYER_UNKNOWN', message: 'layer not known' });
    for (const id of ['../x', '.hidden', 'a b', '', 'l', 'layers.json', `${a.id}.tar-split.gz`]) {
      await expect(env.store.create({ id })).rejects.toBeInstanceOf(InvalidLayerIDError);
    }
    await expect(env.store.get('nosuch')).rejects.toBeInstanceOf(LayerUnknownError);
    await expect(env.store.put({ uncompressedDigest: 'sha256:abc' })).rejects.toMatchObject({ code: 'ERR_INVALID_DIGEST' });
    await expect(env.store.put({ compressedDigest: 'SHA256:' + 'A'.repeat(64) })).rejects.toMatchObject({ code: 'ERR_INVALID_DIGEST' });
    // Nothing of the refused creations was left behind.
    expect((await env.store.layers()).map((l) => l.id)).toEqual([a.id]);
  });

  it('builds on a parent from a read-only additional store only when asked to', async () => {
    // A second graph root serves as the additional (read-only) image store.
    const other = await makeEnv('vfs');
    try {
      const base = await other.store.put({ names: ['ro-base'] }, chunksOf(await makeTar({ 'from-ro': 'yes' }, other.root)));
      const driver = await openDriver('vfs', { graphRoot: env.graphRoot, runRoot: env.runRoot, options: [`vfs.imagestore=${other.graphRoot}`] });
      const store = await LayerStore.open({ driver, graphRoot: env.graphRoot, runRoot: env.runRoot });
      const roStore = await LayerStore.open({ driver, layerDir: other.store.paths.layerDir, readOnly: true });
      try {
        expect((await roStore.get('ro-base')).readOnly).toBe(true);
        await expect(store.create({ parent: base.layer.id })).rejects.toBeInstanceOf(LayerUnknownError);
        const child = await store.create({ parent: base.layer.id, externalParent: true });
        expect(child.parent).toBe(base.layer.id);
        expect(await readFile(path.join(await store.mount(child.id), 'from-ro'), 'utf8')).toBe('yes');
        await store.unmount(child.id);
        // Names are not resolved across stores: the word goes to the driver, which finds no such
        // layer, and the creation leaves nothing behind.
        await expect(store.create({ parent: 'ro-base', externalParent: true })).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST' });
        expect((await store.layers()).map((l) => l.id)).toEqual([child.id]);
      } finally {
        await roStore.close();
        await store.close();
      }
    } finally {
      await other.cleanup();
    }
  });

  it('reports an ambiguous ID prefix', async () => {
    await env.store.create({ id: 'abc1' + '0'.repeat(60) });
    await env.store.create({ id: 'abc2' + '0'.repeat(60) });
    await expect(env.store.get('abc')).rejects.toMatchObject({ code: 'ERR_LAYER_ID_AMBIGUOUS' });
  });

  it('imports a gzip tarball, records digests, sizes and uid/gid sets, and replays it byte for byte', async () => {
    const tar = await makeTar({ 'etc/': '', 'etc/hostname': 'box\n', 'bin/tool': 'x'.repeat(5000) }, env.root);
    const gz = gzipSync(tar);
    const { layer } = await env.store.put({ names: ['imported'] }, chunksOf(gz));
    expect(layer.compressedDigest).toBe(sha256(gz));
    expect(layer.compressedSize).toBe(gz.length);
    expect(layer.uncompressedDigest).toBe(sha256(tar));
    expect(layer.uncompressedSize).toBe(tar.length);
    expect(layer.compression).toBe(2);
    expect(layer.uidset).toEqual([0]);
    expect(layer.flags).toEqual({});
    expect(existsSync(path.join(env.store.paths.layerDir, `${layer.id}.tar-split.gz`))).toBe(true);
    expect((await env.store.layersByUncompressedDigest(sha256(tar))).map((l) => l.id)).toEqual([layer.id]);
    expect((await env.store.layersByCompressedDigest(sha256(gz))).map((l) => l.id)).toEqual([layer.id]);

    expect(await env.store.diffSource(null, layer.id)).toBe('tar-split');
    const plain = await collect(await env.store.diff(null, layer.id, { compression: 'none' }));
    expect(plain.equals(tar)).toBe(true);
    // By default the diff comes back in the compression it arrived in.
    const again = await collect(await env.store.diff(null, layer.id));
    expect(gunzipSync(again).equals(tar)).toBe(true);
    await expect(env.store.diff(null, layer.id, { compression: 'xz' })).rejects.toBeInstanceOf(UnsupportedDiffCompressionError);
  });

  it('regenerates the diff of a layer changed after its import instead of replaying a stale tar-split', async () => {
    const tar = await makeTar({ 'a.txt': 'alpha\n', 'keep.txt': 'keep\n', 'empty': '' }, env.root);
    const { layer } = await env.store.put({}, chunksOf(tar));
    expect(await env.store.diffSource(null, layer.id)).toBe('tar-split');
    const mountPoint = await env.store.mount(layer.id);
    await new Promise((r) => setTimeout(r, 20));
    // A metadata-only change: Go would silently return the original tarball here.
    await chmod(path.join(mountPoint, 'empty'), 0o600);
    await env.store.unmount(layer.id);
    expect(await env.store.diffSource(null, layer.id)).toBe('driver');
    const regenerated = await collect(await env.store.diff(null, layer.id));
    expect(regenerated.equals(tar)).toBe(false);
    const listing = await execTarList(regenerated, env.root);
    expect(listing).toMatch(/-rw------- .* empty/);
  });

  it('holds the read lock while a diff streams and lets writers in once it ends or is destroyed', async () => {
    const tar = await makeTar({ big: 'z'.repeat(300_000) }, env.root);
    const { layer } = await env.store.put({}, chunksOf(tar));
    const stream = await env.store.diff(null, layer.id);
    let written = false;
    const write = env.store.setMetadata(layer.id, 'after').then(() => {
      written = true;
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(written).toBe(false);
    expect((await collect(stream)).equals(tar)).toBe(true);
    await write;
    expect(written).toBe(true);
    const abandoned = await env.store.diff(null, layer.id);
    abandoned.destroy();
    await env.store.setMetadata(layer.id, 'after destroy');
    expect((await env.store.get(layer.id)).metadata).toBe('after destroy');
  });

  it('applyDiff replaces the recorded digests and tar-split with those of the last tarball', async () => {
    const first = await makeTar({ 'one': '1' }, env.root);
    const second = await makeTar({ 'two': '22' }, env.root);
    const { layer } = await env.store.put({}, chunksOf(first));
    await env.store.applyDiff(layer.id, chunksOf(second));
    const after = await env.store.get(layer.id);
    expect(after.uncompressedDigest).toBe(sha256(second));
    expect(after.uncompressedSize).toBe(second.length);
    expect((await collect(await env.store.diff(null, layer.id))).equals(second)).toBe(true);
    expect(await env.store.layersByUncompressedDigest(sha256(first))).toEqual([]);
  });

  it('leaves nothing of a failed import and keeps the layer of a failed applyDiff', async () => {
    const junk = Buffer.alloc(700, 7);
    await expect(env.store.put({ names: ['bad'] }, chunksOf(junk))).rejects.toThrow();
    expect(await env.store.layers()).toEqual([]);
    expect(await readdir(path.join(env.graphRoot, 'vfs/dir'))).toEqual([]);
    const { layer } = await env.store.put({}, chunksOf(await makeTar({ f: 'x' }, env.root)));
    await expect(env.store.applyDiff(layer.id, chunksOf(junk))).rejects.toThrow();
    expect((await env.store.get(layer.id)).uncompressedDigest).toBe(layer.uncompressedDigest);
  });

  it('lists changes and the diff size against the parent', async () => {
    const base = await env.store.put({}, chunksOf(await makeTar({ 'f1': 'one', 'd/f2': 'two' }, env.root)));
    const child = await env.store.create({ parent: base.layer.id });
    const mnt = await env.store.mount(child.id);
    await writeFile(path.join(mnt, 'new file'), 'hello');
    await env.store.unmount(child.id);
    const changes = await env.store.changes(null, child.id);
    expect(changes).toContainEqual({ path: '/new file', kind: 1 });
    expect(changes.filter((c) => c.path !== '/')).toHaveLength(1);
    expect(await env.store.diffSize(null, child.id)).toBe(5);
  });

  it('deletes layers: refuses while children exist, removes driver data, tar-split and big data', async () => {
    const base = await env.store.put({ names: ['b'] }, chunksOf(await makeTar({ f: 'x' }, env.root)));
    const child = await env.store.create({ parent: 'b' });
    await env.store.setBigData('b', 'some-key', Buffer.from('data'));
    await expect(env.store.delete('b')).rejects.toBeInstanceOf(LayerHasChildrenError);
    await expect(env.store.delete('b')).rejects.toMatchObject({
      code: 'ERR_LAYER_HAS_CHILDREN',
      message: `used by layer ${child.id}: layer has children`, // Go's text (cli.md §3.21)
    });
    await env.store.delete(child.id);
    await env.store.delete('b');
    expect(await env.store.layers()).toEqual([]);
    // HEAD leaves the (empty) staged-deletion roots behind.
    expect(await readdir(env.store.paths.layerDir)).toEqual(['layers.json', 'layers.lock', 'tmp']);
    expect(await readdir(env.store.paths.tmpDir)).toEqual([]);
    expect(await readdir(path.join(env.graphRoot, 'vfs/dir'))).toEqual([]);
    expect(await readdir(path.join(env.graphRoot, 'vfs/tempdirs'))).toEqual([]);
    await expect(env.store.delete(base.layer.id)).rejects.toBeInstanceOf(LayerUnknownError);
  });

  it('wipes even a damaged store whose parents form a cycle', async () => {
    const a = await env.store.create();
    const b = await env.store.create({ parent: a.id });
    const records = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    records[0].parent = b.id;
    await writeFile(env.store.paths.layersJSON, JSON.stringify(records));
    await env.store.wipe();
    expect(await env.store.layers()).toEqual([]);
  });

  it('wipes every layer, children first', async () => {
    const a = await env.store.create();
    const b = await env.store.create({ parent: a.id });
    await env.store.create({ parent: b.id });
    await env.store.create();
    await env.store.mount(b.id);
    await env.store.wipe();
    expect(await env.store.layers()).toEqual([]);
    expect(JSON.parse(await readFile(env.store.paths.mountpointsJSON!, 'utf8'))).toEqual([]);
  });

  it('counts mounts in mountpoints.json, shared with other store objects', async () => {
    const layer = await env.store.create({ names: ['m'] });
    const p1 = await env.store.mount('m');
    const p2 = await env.store.mount('m');
    expect(p1).toBe(path.join(env.graphRoot, 'vfs/dir', layer.id));
    expect(p2).toBe(p1);
    expect(JSON.parse(await readFile(env.store.paths.mountpointsJSON!, 'utf8'))).toEqual([{ id: layer.id, path: p1, count: 2 }]);
    const other = await env.reopen();
    expect(await other.mounted('m')).toBe(2);
    expect(await other.unmount('m')).toBe(true);
    expect(await env.store.mounted('m')).toBe(1);
    expect(await env.store.unmount('m')).toBe(false);
    expect(await other.mounted('m')).toBe(0);
    // Unmounting what is not mounted succeeds.
    expect(await other.unmount('m')).toBe(false);
    await env.store.mount('m');
    await env.store.mount('m');
    expect(await env.store.unmount('m', true)).toBe(false);
    expect((await env.store.get('m')).mountCount).toBe(0);
  });

  it('stores big data under Go-compatible file names', async () => {
    const layer = await env.store.create();
    await env.store.setBigData(layer.id, 'simple.key', Buffer.from('one'));
    await env.store.setBigData(layer.id, 'Config/Blob', chunksOf(Buffer.from('two')));
    expect(await env.store.bigDataNames(layer.id)).toEqual(['simple.key', 'Config/Blob']);
    expect((await collect(await env.store.bigData(layer.id, 'Config/Blob'))).toString()).toBe('two');
    expect((await readdir(path.join(env.store.paths.layerDir, layer.id))).sort()).toEqual(['=Q29uZmlnL0Jsb2I=', 'simple.key']);
    await expect(env.store.bigData(layer.id, 'missing')).rejects.toBeInstanceOf(LayerDataNotFoundError);
    await expect(env.store.bigData(layer.id, 'missing')).rejects.toMatchObject({
      code: 'ERR_BIG_DATA_UNKNOWN',
      message: `locating item named "missing" for layer with ID "${layer.id}": file does not exist`,
    });
    // Go's text; an unknown layer is reported first (as the Go CLI does: it resolves the layer first).
    await expect(env.store.setBigData(layer.id, '', Buffer.from('x'))).rejects.toMatchObject({
      code: 'ERR_INVALID_BIG_DATA_KEY',
      message: "can't set empty name for layer big data item: not a valid name for a big data item",
    });
    await expect(env.store.setBigData('nosuch', '', Buffer.from('x'))).rejects.toMatchObject({ code: 'ERR_LAYER_UNKNOWN' });
  });

  it('moves a name from one layer to another, and sets metadata and flags', async () => {
    const a = await env.store.create({ names: ['n1', 'n2'] });
    const b = await env.store.create();
    await env.store.addNames(b.id, ['old']);
    await env.store.addNames(b.id, ['n2', 'n3', 'n2']);
    expect((await env.store.get(b.id)).names).toEqual(['n2', 'n3', 'old']);
    expect((await env.store.get(a.id)).names).toEqual(['n1']);
    expect((await env.store.get('n2')).id).toBe(b.id);
    await env.store.removeNames(b.id, ['n3']);
    await env.store.setNames(a.id, ['z']);
    expect((await env.store.get(a.id)).names).toEqual(['z']);
    await expect(env.store.get('n1')).rejects.toBeInstanceOf(LayerUnknownError);
    await env.store.setMetadata(a.id, 'meta');
    await env.store.setFlag(a.id, 'custom', { x: 1 });
    const reread = await (await env.reopen()).get(a.id);
    expect(reread.metadata).toBe('meta');
    expect(reread.flags).toEqual({ custom: { x: 1 } });
    await env.store.clearFlag(a.id, 'custom');
    expect((await env.store.get(a.id)).flags).toEqual({});
  });

  it('refuses every write on a read-only store and still reads it', async () => {
    const layer = await env.store.create({ names: ['ro'] });
    const ro = await env.reopen({ readOnly: true });
    expect((await ro.get('ro')).readOnly).toBe(true);
    await expect(ro.create()).rejects.toBeInstanceOf(ReadOnlyStoreError);
    await expect(ro.delete(layer.id)).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    await expect(ro.mount(layer.id)).rejects.toBeInstanceOf(ReadOnlyStoreError);
    await expect(ro.setNames(layer.id, [])).rejects.toBeInstanceOf(ReadOnlyStoreError);
  });

  it('refuses to open a corrupt layers.json and leaves it untouched', async () => {
    await env.store.create({ names: ['x'] });
    const good = await readFile(env.store.paths.layersJSON, 'utf8');
    const corrupt = good.replace(/^\[/, '[{"id":"zz","compression":"gzip"},');
    await writeFile(env.store.paths.layersJSON, corrupt);
    const err = await LayerStore.open({ driver: env.driver, graphRoot: env.graphRoot, runRoot: env.runRoot }).catch((e) => e);
    expect(err).toBeInstanceOf(CorruptFileError);
    expect(err.code).toBe('ERR_CORRUPT_STORE_FILE');
    expect(err.message).toMatch(/compression/);
    // The already open store refuses too once it notices the foreign write, and writes nothing.
    await expect(env.store.create()).rejects.toBeInstanceOf(CorruptFileError);
    expect(await readFile(env.store.paths.layersJSON, 'utf8')).toBe(corrupt);
  });

  it('reloads after another writer changed layers.json, by token or by mtime alone', async () => {
    const layer = await env.store.create({ names: ['watched'] });
    const other = await env.reopen();
    await other.setMetadata('watched', 'by token'); // a normal save: new token
    expect((await env.store.get('watched')).metadata).toBe('by token');
    // A writer that forgets the token (trap 4) is still noticed through the file's mtime.
    await new Promise((r) => setTimeout(r, 20));
    const records = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    records[0].metadata = 'by mtime';
    await writeFile(env.store.paths.layersJSON, JSON.stringify(records));
    expect((await env.store.get(layer.id)).metadata).toBe('by mtime');
  });

  it('refuses to open a corrupt mountpoints.json', async () => {
    await writeFile(env.store.paths.mountpointsJSON!, '[{"id":');
    await expect(env.reopen()).rejects.toBeInstanceOf(CorruptFileError);
  });

  it('removes leftovers of interrupted creations when a writer opens the store', async () => {
    const done = await env.store.create({ names: ['kept'] });
    const half = await env.store.put({}, chunksOf(await makeTar({ f: 'x' }, env.root)));
    // Simulate a crash after the record was flagged: set the flag behind the store's back.
    const records = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    records[1].flags = { incomplete: true };
    await writeFile(env.store.paths.layersJSON, JSON.stringify(records));
    const reopened = await env.reopen();
    expect((await reopened.layers()).map((l) => l.id)).toEqual([done.id]);
    expect(existsSync(path.join(env.graphRoot, 'vfs/dir', half.layer.id))).toBe(false);
    expect(existsSync(path.join(env.store.paths.layerDir, `${half.layer.id}.tar-split.gz`))).toBe(false);
    // A reader of the first store object repairs nothing twice and sees the same.
    expect((await env.store.layers()).map((l) => l.id)).toEqual([done.id]);
  });

  it('a reader that meets an incomplete layer upgrades to the write lock and removes it', async () => {
    const kept = await env.store.create();
    const doomed = await env.store.create();
    const records = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    records[1].flags = { incomplete: true };
    await writeFile(env.store.paths.layersJSON, JSON.stringify(records));
    // No reopen: the already open store notices the foreign write on its next read.
    expect((await env.store.layers()).map((l) => l.id)).toEqual([kept.id]);
    expect(existsSync(path.join(env.graphRoot, 'vfs/dir', doomed.id))).toBe(false);
    expect(JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8')).map((l: { id: string }) => l.id)).toEqual([kept.id]);
  });

  it('keeps records of a duplicate name on the later layer only (as Go does)', async () => {
    const a = await env.store.create({ names: ['dup', 'a'] });
    const b = await env.store.create({ names: ['b'] });
    const records = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    records[1].names = ['b', 'dup'];
    await writeFile(env.store.paths.layersJSON, JSON.stringify(records));
    const reopened = await env.reopen();
    expect((await reopened.get('dup')).id).toBe(b.id);
    expect((await reopened.get(a.id)).names).toEqual(['a']);
  });

  it('keeps volatile layers in volatile-layers.json and stable ones in layers.json', async () => {
    const stable = await env.store.create({ names: ['s'] });
    const vol = await env.store.create({ names: ['v'], volatile: true });
    expect(vol.volatile).toBe(true);
    const stableFile = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    const volatileFile = JSON.parse(await readFile(env.store.paths.volatileLayersJSON, 'utf8'));
    expect(stableFile.map((l: { id: string }) => l.id)).toEqual([stable.id]);
    expect(volatileFile.map((l: { id: string }) => l.id)).toEqual([vol.id]);
    const other = await env.reopen();
    expect((await other.get('v')).volatile).toBe(true);
    await other.setMetadata('v', 'still volatile');
    expect(JSON.parse(await readFile(env.store.paths.volatileLayersJSON, 'utf8'))[0].metadata).toBe('still volatile');
    await env.store.delete('v');
    expect(JSON.parse(await readFile(env.store.paths.volatileLayersJSON, 'utf8'))).toEqual([]);
  });

  it('applies ID maps on import and records container IDs in uidset', async () => {
    const tar = await makeTar({ 'f': 'x' }, env.root);
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const { layer } = await env.store.put({ uidMap: map, gidMap: map }, chunksOf(tar));
    expect(layer.uidset).toEqual([0]);
    expect(layer.uidMap).toEqual(map);
    const st = await stat(path.join(env.graphRoot, 'vfs/dir', layer.id, 'f'));
    expect([st.uid, st.gid]).toEqual([100000, 100000]);
    const json = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    expect(json[0].uidmap).toEqual([{ container_id: 0, host_id: 100000, size: 65536 }]);
    expect((await collect(await env.store.diff(null, layer.id))).equals(tar)).toBe(true);
  });

  it('serialises concurrent writers on one store object and on two objects of one process', async () => {
    const other = await env.reopen();
    const made = await Promise.all(
      Array.from({ length: 30 }, (_, i) => (i % 2 === 0 ? env.store : other).create({ names: [`c${i}`] })),
    );
    expect(new Set(made.map((l) => l.id)).size).toBe(30);
    expect(await env.store.layers()).toHaveLength(30);
    expect(await other.layers()).toHaveLength(30);
    expect(JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'))).toHaveLength(30);
  });

  it('lets a caller hold the write lock across several calls', async () => {
    const base = await env.store.create({ names: ['held'] });
    await env.store.withWriteLock(async () => {
      expect((await env.store.get('held')).id).toBe(base.id);
      await env.store.setMetadata('held', 'inside');
      const child = await env.store.create({ parent: 'held' });
      await env.store.delete(child.id);
    });
    expect((await env.store.get('held')).metadata).toBe('inside');
    await expect(env.store.withReadLock(() => env.store.create())).rejects.toThrow(/read lock/);
  });

  it('checks parents, driver data, big data and replayed contents', async () => {
    const tar = await makeTar({ 'file.txt': 'original', 'other': 'x' }, env.root);
    const { layer } = await env.store.put({ names: ['checked'] }, chunksOf(tar));
    const orphan = await env.store.create({ names: ['orphan'] });
    await env.store.setBigData(orphan.id, 'item', Buffer.from('v'));
    expect(await env.store.check({ contents: true })).toEqual(new Map());
    // Damage: content changed behind the store's back, a big-data file and a parent removed.
    await writeFile(path.join(env.graphRoot, 'vfs/dir', layer.id, 'file.txt'), 'ORIGINAL');
    await rm(path.join(env.store.paths.layerDir, orphan.id, 'item'));
    const records = JSON.parse(await readFile(env.store.paths.layersJSON, 'utf8'));
    records[1].parent = 'f'.repeat(64);
    await writeFile(env.store.paths.layersJSON, JSON.stringify(records));
    const report = await env.store.check({ contents: true });
    expect(report.get(layer.id)).toEqual([{ code: 'ERR_LAYER_CONTENT_UNREADABLE', message: `layer ${layer.id}: file integrity checksum failed` }]);
    expect(report.get(orphan.id)!.map((p) => p.code)).toEqual(['ERR_LAYER_PARENT_MISSING', 'ERR_LAYER_DATA_MISSING']);
    expect(report.get(orphan.id)![1]!.message).toBe(`layer ${orphan.id}: data item "item": layer data item is missing`);
    // Without `contents` the replay is skipped.
    expect((await env.store.check()).has(layer.id)).toBe(false);
  });

  goIt('shares the store with the Go CLI both ways', async () => {
    const tar = await makeTar({ 'hello.txt': 'hi\n', 'sub/x': 'y' }, env.root);
    const tarPath = path.join(env.root, 'in.tar.gz');
    await writeFile(tarPath, gzipSync(tar));
    // Go imports, we read and replay its tar-split.
    const goID = (await env.go('import-layer', '-n', 'from-go', '-f', tarPath)).split('\n')[0]!;
    const seen = await env.store.get('from-go');
    expect(seen.id).toBe(goID);
    expect(seen.uncompressedDigest).toBe(sha256(tar));
    expect((await collect(await env.store.diff(null, goID, { compression: 'none' }))).equals(tar)).toBe(true);
    // We import on top, Go lists it and replays our tar-split.
    const { layer } = await env.store.put({ parent: goID, names: ['from-us'] }, chunksOf(tar));
    const goLayers = JSON.parse(await env.go('layers', '--json'));
    expect(goLayers.map((l: { id: string }) => l.id)).toEqual([goID, layer.id]);
    const goDiff = Buffer.from(await env.go('diff', '-u', 'from-us'), 'latin1');
    expect(sha256(goDiff)).toBe(layer.uncompressedDigest);
    // Go mounts, we see the count; Go deletes, we notice.
    await env.go('mount', layer.id);
    expect(await env.store.mounted(layer.id)).toBe(1);
    await env.go('unmount', layer.id);
    await env.go('delete-layer', layer.id);
    expect(await env.store.exists(layer.id)).toBe(false);
  });
});

async function execTarList(tar: Buffer, dir: string): Promise<string> {
  const file = path.join(dir, `list-${Date.now()}.tar`);
  await writeFile(file, tar);
  const { execFileP } = await import('./helpers.js');
  const { stdout } = await execFileP('tar', ['-tvf', file]);
  return stdout;
}
