import { promises as fs } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect } from 'vitest';
import { digestOf } from '@cs/ids';
import { GoTime, ImageStore } from '../src/index.js';
import { failureText, goStoreTest } from '@cs/test-kit/go-cli';
import { checkRequirements } from '@cs/test-kit/process';

const available = await checkRequirements('images interop tests', { goCli: true });

describe.skipIf(!available)('interop with the Go containers-storage CLI (vfs)', () => {
  let store: ImageStore | undefined;
  afterEach(async () => {
    await store?.close();
    store = undefined;
  });

  goStoreTest('reads images Go wrote, with names, digests and big data, and rewrites them byte for byte', async ({ g }) => {
    const layer = (await g.go('create-layer')).trim();
    const meta = 'meta <&> \u2028\u2029 \u{1F600} \u0001\u007f "q" \\ é\ttab';
    const id = (await g.go('create-image', '-n', 'docker.io/library/a:1', '-m', meta, layer)).split('\n')[0]!.trim();
    const manifest = path.join(g.base, 'manifest.json');
    await fs.writeFile(manifest, '{"schemaVersion":2,"layers":[]}');
    const config = path.join(g.base, 'config');
    await fs.writeFile(config, Buffer.from([0, 1, 2, 255, 10]));
    await g.go('set-image-data', '-f', manifest, id, 'manifest-sha256:' + '1'.repeat(64));
    await g.go('set-image-data', '-f', config, id, 'Config/Blob');
    await g.go('set-image-data', '-f', config, id, 'simple.key');
    await g.go('add-names', '-n', 'localhost/b:2', id);

    store = await ImageStore.open(path.join(g.graph, 'vfs-images'));
    const img = await store.get('localhost/b:2');
    expect(img.id).toBe(id);
    expect(img.topLayer).toBe(layer);
    expect(img.metadata).toBe(meta);
    expect(new Set(img.names)).toEqual(new Set(['docker.io/library/a:1', 'localhost/b:2']));
    const manifestBytes = await fs.readFile(manifest);
    const configBytes = await fs.readFile(config);
    expect(img.digest).toBe(digestOf(manifestBytes));
    expect(img.digests).toEqual([digestOf(manifestBytes)]);
    expect(img.bigDataNames).toEqual(['manifest-sha256:' + '1'.repeat(64), 'Config/Blob', 'simple.key']);
    expect(await store.bigData(id, 'Config/Blob')).toEqual(configBytes);
    expect(await store.bigDataSize(id, 'Config/Blob')).toBe(5);
    expect(await store.bigDataDigest(id, 'simple.key')).toBe(digestOf(configBytes));
    expect((await store.byDigest(digestOf(manifestBytes))).map((i) => i.id)).toEqual([id]);
    expect((await store.byTopLayer(layer)).map((i) => i.id)).toEqual([id]);

    // the same directory as an additional (read-only) image store
    const ro = await ImageStore.open(path.join(g.graph, 'vfs-images'), { readOnly: true });
    try {
      const roImg = await ro.get(id);
      expect({ ...roImg, readOnly: false }).toEqual(img);
      expect(roImg.readOnly).toBe(true);
      expect(await ro.bigData(id, 'Config/Blob')).toEqual(configBytes);
      await expect(ro.setMetadata(id, 'x')).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    } finally {
      await ro.close();
    }

    const before = await fs.readFile(path.join(g.graph, 'vfs-images', 'images.json'), 'utf8');
    await store.setMetadata(id, meta);
    expect(await fs.readFile(path.join(g.graph, 'vfs-images', 'images.json'), 'utf8')).toBe(before);
  });

  goStoreTest('writes images Go reads back: list, image, big data, digests, lookups by digest', async ({ g }) => {
    const layer = (await g.go('create-layer')).trim();
    store = await ImageStore.open(path.join(g.graph, 'vfs-images'));
    const img = await store.create({ names: ['quay.io/x/y:2', 'z'], topLayer: layer, metadata: 'ours' });
    const manifest = Buffer.from('{"schemaVersion":2,"mediaType":"x"}');
    const odd = Buffer.from('bytes\u2028<>\n');
    await store.setBigData(img.id, 'manifest', manifest);
    await store.setBigData(img.id, 'UPPER-case/key', odd);
    await store.addNames(img.id, ['first']);

    const listed = JSON.parse(await g.go('images', '--json')) as Array<Record<string, unknown>>;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({
      id: img.id,
      names: ['first', 'quay.io/x/y:2', 'z'],
      layer,
      metadata: 'ours',
      digest: digestOf(manifest),
      'big-data-names': ['manifest', 'UPPER-case/key'],
      'big-data-sizes': { manifest: manifest.length, 'UPPER-case/key': odd.length },
      'big-data-digests': { manifest: digestOf(manifest), 'UPPER-case/key': digestOf(odd) },
    });
    const text = await g.go('image', 'first');
    expect(text).toContain(`ID: ${img.id}\n`);
    expect(text).toContain(`Top Layer: ${layer}\n`);
    expect(text).toContain(`Digest: ${digestOf(manifest)}\n`);
    expect(text).toContain('Data: UPPER-case/key\n');
    expect(await g.goBuffer('get-image-data', img.id, 'UPPER-case/key')).toEqual(odd);
    expect((await g.go('get-image-data-digest', 'z', 'UPPER-case/key')).trim()).toBe(digestOf(odd));
    expect((await g.go('get-image-data-size', 'z', 'manifest')).trim()).toBe(String(manifest.length));
    expect((await g.go('list-image-data', img.id)).split('\n')).toEqual(['manifest', 'UPPER-case/key', '']);
    for (const [cmd, call] of [
      ['get-image-data', () => store!.bigData(img.id, 'nosuch')],
      ['get-image-data-size', () => store!.bigDataSize(img.id, 'nosuch')],
      ['get-image-data-digest', () => store!.bigDataDigest(img.id, 'nosuch')],
    ] as Array<[string, () => Promise<unknown>]>) {
      const goErr = await failureText(() => g.go(cmd, img.id, 'nosuch'));
      expect(goErr).not.toBe('');
      expect(await failureText(call)).toBe(goErr);
    }
    expect((await g.go('images-by-digest', '-q', digestOf(manifest))).trim()).toBe(img.id);
    expect((await g.go('get-names', img.id)).trim().split('\n')).toEqual(['first', 'quay.io/x/y:2', 'z']);

    // Go changes the store while our object stays open: we see it through the lock token
    await g.go('set-names', '-n', 'renamed', img.id);
    await g.go('delete-image', (await g.go('create-image', '-n', 'tmp', layer)).split('\n')[0]!.trim());
    expect((await store.get(img.id)).names).toEqual(['renamed']);
    expect(await store.list()).toHaveLength(1);

    await store.delete('renamed');
    expect((await g.go('images', '-q')).trim()).toBe('');
  });

  goStoreTest('makes Go wait while we hold the write lock', async ({ g }) => {
    store = await ImageStore.open(path.join(g.graph, 'vfs-images'));
    await store.create({ id: 'held' });
    let goRun!: Promise<string>;
    let goDone = 0;
    let released = 0;
    await store.write(async () => {
      goRun = g.go('images', '-q').then((out) => {
        goDone = Date.now();
        return out;
      });
      await new Promise((r) => setTimeout(r, 700));
      released = Date.now();
    });
    expect((await goRun).trim()).toBe('held');
    expect(goDone).toBeGreaterThanOrEqual(released);
  });

  goStoreTest('keeps our created time (nanoseconds, offset) through a Go rewrite', async ({ g }) => {
    const layer = (await g.go('create-layer')).trim();
    store = await ImageStore.open(path.join(g.graph, 'vfs-images'));
    const created = GoTime.parse('2015-03-01T10:00:00.123456789-05:00');
    const img = await store.create({ names: ['a'], topLayer: layer, created });
    await g.go('add-names', '-n', 'b', img.id);
    const text = await fs.readFile(path.join(g.graph, 'vfs-images', 'images.json'), 'utf8');
    expect(text).toContain('"created":"2015-03-01T10:00:00.123456789-05:00"');
    const again = await store.get('b');
    expect(again.created.toString()).toBe('2015-03-01T10:00:00.123456789-05:00');
    expect(again.names).toEqual(['a', 'b']); // 1.43's CLI appends added names
    expect(again.namesHistory).toEqual(['b', 'a']);
  });

  goStoreTest('loses no update when Go and we change images at the same time', async ({ g }) => {
    const layer = (await g.go('create-layer')).trim();
    store = await ImageStore.open(path.join(g.graph, 'vfs-images'));
    const target = await store.create({ id: 'target', topLayer: layer });
    const goRuns = Array.from({ length: 4 }, (_, i) => g.go('create-image', '-n', `go-${i}`, layer));
    const ours = Array.from({ length: 12 }, (_, i) =>
      i % 2 === 0 ? store!.create({ names: [`ours-${i}`], topLayer: layer }) : store!.setBigData(target.id, `item${i}`, `v${i}`),
    );
    await Promise.all([...goRuns, ...ours]);
    const listed = JSON.parse(await g.go('images', '--json')) as Array<{ names?: string[]; 'big-data-names'?: string[] }>;
    const names = listed.flatMap((i) => i.names ?? []).sort();
    expect(names).toEqual([...['go-0', 'go-1', 'go-2', 'go-3'], ...[0, 2, 4, 6, 8, 10].map((i) => `ours-${i}`)].sort());
    expect(listed.find((i) => i['big-data-names'])?.['big-data-names']?.sort()).toEqual([1, 3, 5, 7, 9, 11].map((i) => `item${i}`).sort());
    expect((await store.list()).length).toBe(11);
  });
});
