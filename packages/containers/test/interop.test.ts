import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { digestOf } from '@cs/ids';
import { ContainerStore } from '../src/index.js';
import { failureText, goStoreTest, type GoStore } from '@cs/test-kit/go-cli';
import { checkRequirements } from '@cs/test-kit/process';

const available = await checkRequirements('containers interop tests', { goCli: true });

describe.skipIf(!available)('interop with the Go containers-storage CLI (vfs)', () => {
  let store: ContainerStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });
  const openOurs = async (g: GoStore) =>
    (store = await ContainerStore.open(path.join(g.graph, 'vfs-containers'), { runDir: path.join(g.runRoot, 'vfs-containers') }));

  goStoreTest('reads containers Go wrote, with big data and directories, and rewrites them byte for byte', async ({ g }) => {
    const layer = (await g.go('create-layer')).trim();
    const image = (await g.go('create-image', '-n', 'img', layer)).split('\n')[0]!.trim();
    const id = (await g.go('create-container', '-n', 'web', '-m', 'podman <meta>', image)).split(/[\n\t]/)[0]!.trim();
    const vol = (await g.go('create-container', '--volatile', '-n', 'vol', image)).split(/[\n\t]/)[0]!.trim();
    const blobFile = path.join(g.base, 'blob');
    const blob = Buffer.from([0, 255, 1, 10, 13]);
    await fs.writeFile(blobFile, blob);
    await g.go('set-container-data', '-f', blobFile, 'web', 'Config/Blob');
    const goDir = (await g.go('get-container-dir', 'web')).trim();
    const goRunDir = (await g.go('get-container-run-dir', 'web')).trim();

    await openOurs(g);
    const c = await store!.get('web');
    expect(c).toMatchObject({ id, image, metadata: 'podman <meta>', bigDataNames: ['Config/Blob'], bigDataSizes: { 'Config/Blob': 5 } });
    expect(c.flags).toEqual({ MountLabel: '', ProcessLabel: '' });
    expect((await store!.get('vol')).flags.Volatile).toBe(true);
    expect(c.bigDataDigests['Config/Blob']).toBe(digestOf(blob));
    expect(await store!.bigData('web', 'Config/Blob')).toEqual(blob);
    expect(await store!.lookup(c.layer)).toBe(id);
    expect(await store!.containerDir(id)).toBe(goDir);
    expect(await store!.containerRunDir(id)).toBe(goRunDir);
    expect((await store!.list()).map((x) => x.id)).toEqual([id, vol]);

    const before = await fs.readFile(path.join(g.graph, 'vfs-containers', 'containers.json'), 'utf8');
    await store!.setMetadata(id, 'other');
    await store!.setMetadata(id, 'podman <meta>');
    expect(await fs.readFile(path.join(g.graph, 'vfs-containers', 'containers.json'), 'utf8')).toBe(before);
  });

  goStoreTest('writes containers Go reads back, and sees Go changes through the lock token', async ({ g }) => {
    const layer = (await g.go('create-layer')).trim();
    const image = (await g.go('create-image', '-n', 'img', layer)).split('\n')[0]!.trim();
    const rwLayer = (await g.go('create-layer', layer)).trim();
    await openOurs(g);
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    const c = await store!.create({
      names: ['ours', 'second'],
      image,
      layer: rwLayer,
      metadata: 'meta & more',
      uidMap: map,
      gidMap: map,
      flags: { MountLabel: '', ProcessLabel: '' },
    });
    const data = Buffer.from('data\u2028\n');
    await store!.setBigData(c.id, 'UPPER/key', data);

    const listed = JSON.parse(await g.go('containers', '--json')) as Array<Record<string, unknown>>;
    expect(listed).toEqual([
      expect.objectContaining({
        id: c.id,
        names: ['ours', 'second'],
        image,
        layer: rwLayer,
        metadata: 'meta & more',
        'big-data-names': ['UPPER/key'],
        'big-data-sizes': { 'UPPER/key': data.length },
        'big-data-digests': { 'UPPER/key': digestOf(data) },
        uidmap: [{ container_id: 0, host_id: 100000, size: 65536 }],
        flags: { MountLabel: '', ProcessLabel: '' },
      }),
    ]);
    const text = await g.go('container', 'second');
    expect(text).toContain(`ID: ${c.id}\n`);
    expect(text).toContain(`Image: ${image}\n`);
    expect(text).toContain('Image name: img\n');
    expect(text).toContain(`Layer: ${rwLayer}\n`);
    expect(text).toContain('Data: UPPER/key\n');
    expect(await g.goBuffer('get-container-data', 'ours', 'UPPER/key')).toEqual(data);
    expect((await g.go('get-container-data-digest', c.id, 'UPPER/key')).trim()).toBe(digestOf(data));
    expect((await g.go('get-container-data-size', c.id, 'UPPER/key')).trim()).toBe(String(data.length));
    expect((await g.go('list-container-data', c.id)).trim()).toBe('UPPER/key');
    // the same error texts as Go for missing items
    for (const [cmd, call] of [
      ['get-container-data', () => store!.bigData(c.id, 'nosuch')],
      ['get-container-data-size', () => store!.bigDataSize(c.id, 'nosuch')],
      ['get-container-data-digest', () => store!.bigDataDigest(c.id, 'nosuch')],
    ] as Array<[string, () => Promise<unknown>]>) {
      const goErr = await failureText(() => g.go(cmd, c.id, 'nosuch'));
      expect(goErr).not.toBe('');
      expect(await failureText(call)).toBe(goErr);
    }
    expect(await failureText(() => g.go('get-container-data', 'nosuch-ctr', 'k'))).toBe(await failureText(() => store!.get('nosuch-ctr')));
    expect((await g.go('get-container-dir', 'ours')).trim()).toBe(path.join(g.graph, 'vfs-containers', c.id, 'userdata'));

    // Go writes while our object stays open
    await g.go('set-names', '-n', 'renamed', c.id);
    await g.go('set-metadata', '-m', 'from go', c.id);
    const seen = await store!.get(c.id);
    expect(seen.names).toEqual(['renamed']);
    expect(seen.metadata).toBe('from go');
    expect(seen.bigDataNames).toEqual(['UPPER/key']);

    // deleting the record (the Store deletes the layer) leaves Go with no containers
    await store!.delete('renamed');
    expect((await g.go('containers', '--json')).trim()).toBe('[]');
  });

  goStoreTest('agrees with Go on the file names of unusual big-data keys', async ({ g }) => {
    const id = (await g.go('create-container', '-n', 'c', '')).split(/[\n\t]/)[0]!.trim(); // no image
    const keys = ['???', 'é-key', 'a.b.c', 'x'.repeat(100), ' spaced key '];
    const tmp = path.join(g.base, 'v');
    for (const [i, key] of keys.entries()) {
      await fs.writeFile(tmp, `go-${i}`);
      await g.go('set-container-data', '-f', tmp, id, key);
    }
    await openOurs(g);
    for (const [i, key] of keys.entries()) {
      expect((await store!.bigData(id, key)).toString()).toBe(`go-${i}`);
      await store!.setBigData(id, key, `ours-${i}`);
      expect((await g.goBuffer('get-container-data', id, key)).toString()).toBe(`ours-${i}`);
    }
    const files = (await fs.readdir(path.join(g.graph, 'vfs-containers', id))).sort();
    expect(files).toEqual(['=IHNwYWNlZCBrZXkg', '=Pz8', '=w6kta2V5', 'a.b.c', 'x'.repeat(100)].sort());
  });

  goStoreTest('loses no record when Go and we create containers at the same time', async ({ g }) => {
    await openOurs(g);
    const goRuns = Array.from({ length: 4 }, (_, i) => g.go('create-container', '-n', `go-${i}`, ''));
    const ours = Array.from({ length: 12 }, (_, i) => store!.create({ names: [`ours-${i}`], layer: `fake-layer-${i}` }));
    await Promise.all([...goRuns, ...ours]);
    const goNames = JSON.parse(await g.go('containers', '--json')).flatMap((c: { names?: string[] }) => c.names ?? []);
    const ourNames = (await store!.list()).flatMap((c) => c.names);
    const expected = [...Array.from({ length: 4 }, (_, i) => `go-${i}`), ...Array.from({ length: 12 }, (_, i) => `ours-${i}`)].sort();
    expect([...goNames].sort()).toEqual(expected);
    expect([...ourNames].sort()).toEqual(expected);
  });
});
