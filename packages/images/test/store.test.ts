import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf } from '@cs/ids';
import { ImageStore, GoTime } from '../src/index.js';

// images.json captured from containers-storage 1.43 (on-disk.md §2.4)
const CAPTURED =
  '[{"id":"ba37a0c0fb16f9fbfb901e5d7e1a2606c4f066899eee43af2424000ffdfe9d06","digest":"sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823","names":["docker.io/library/test:latest","localhost/other:1","quay.io/x/y:2"],"names-history":["quay.io/x/y:2","localhost/other:1","docker.io/library/test:latest"],"layer":"62fb01a1d695223e869e42f12d01cb37aeaeb7a365f1f7214cdb70ae019f96c3","metadata":"image-metadata","big-data-names":["manifest","manifest-sha256:1111111111111111111111111111111111111111111111111111111111111111","sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8","simple.key"],"big-data-sizes":{"manifest":101,"manifest-sha256:1111111111111111111111111111111111111111111111111111111111111111":101,"sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8":38,"simple.key":38},"big-data-digests":{"manifest":"sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823","manifest-sha256:1111111111111111111111111111111111111111111111111111111111111111":"sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823","sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8":"sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8","simple.key":"sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8"},"created":"2026-11-27T21:24:26.884088631Z"}]';
const ID = 'ba37a0c0fb16f9fbfb901e5d7e1a2606c4f066899eee43af2424000ffdfe9d06';
const LAYER = '62fb01a1d695223e869e42f12d01cb37aeaeb7a365f1f7214cdb70ae019f96c3';

let dir: string;
const stores: ImageStore[] = [];
async function open(opts: { readOnly?: boolean; runDir?: string } = {}) {
  const s = await ImageStore.open(dir, opts);
  stores.push(s);
  return s;
}
const jsonText = () => fs.readFile(path.join(dir, 'images.json'), 'utf8');

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-images-'));
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('records', () => {
  it('reads the captured Go file and rewrites it byte for byte', async () => {
    await fs.writeFile(path.join(dir, 'images.json'), CAPTURED);
    const s = await open();
    const img = await s.get('localhost/other:1');
    expect(img.id).toBe(ID);
    expect(img.topLayer).toBe(LAYER);
    expect(img.digests).toEqual(['sha256:8372bce0c0f1c067da7a8c2bf6b3df5183fd1f81f09b35e59b2cfcf2c4796823']);
    expect(img.bigDataSizes['simple.key']).toBe(38);
    expect(img.created.toString()).toBe('2026-11-27T21:24:26.884088631Z');
    await s.setMetadata(ID, 'image-metadata'); // forces a rewrite with identical content
    expect(await jsonText()).toBe(CAPTURED);
  });

  it('keeps members written by newer Go code through a rewrite', async () => {
    await fs.writeFile(
      path.join(dir, 'images.json'),
      '[{"id":"abc","Names":["x"],"created":"2015-03-01T10:00:00.5-05:00","future-field":{"b":1,"a":[1.50]},"flags":{"z":1,"a":true}}]',
    );
    const s = await open();
    await s.addNames('abc', ['y']);
    expect(await jsonText()).toBe(
      '[{"id":"abc","names":["y","x"],"names-history":["x","y"],"created":"2015-03-01T10:00:00.5-05:00","flags":{"a":true,"z":1},"future-field":{"b":1,"a":[1.50]}}]',
    );
  });

  it.each([
    ['[{"id":"a","created":"2026-11-27T21:24:26Z"},{"id":"b","created":""}]', 'record 1.created'],
    ['[{"id":"a","layer":5}]', 'record 0.layer'],
    ['[{"id":"a"}', 'unexpected end'],
    ['[{"id":"a","digest":"sha256:abc"}]', 'computing digests for image with ID "a"'],
    ['[{"id":"a","big-data-digests":{"manifest-x":"SHA256:00"}}]', 'computing digests'],
    ['[{"id":"a"},{"id":"a"}]', 'appears twice'],
  ])('refuses the corrupt file %j and leaves it untouched', async (text, detail) => {
    await fs.writeFile(path.join(dir, 'images.json'), text);
    const s = await open();
    await expect(s.list()).rejects.toMatchObject({ code: 'ERR_CORRUPT_STORE_FILE' });
    await expect(s.list()).rejects.toThrow(detail);
    await expect(s.create({ names: ['n'] })).rejects.toMatchObject({ code: 'ERR_CORRUPT_STORE_FILE' });
    expect(await jsonText()).toBe(text);
  });

  it('takes a duplicated name away from the earlier record and saves that on the next write', async () => {
    await fs.writeFile(path.join(dir, 'images.json'), '[{"id":"a","names":["n","m"]},{"id":"b","names":["n"]}]');
    const s = await open();
    expect((await s.get('n')).id).toBe('b');
    expect((await s.get('a')).names).toEqual(['m']);
    await s.create({ id: 'c' });
    expect(await jsonText()).toContain('{"id":"a","names":["m"],"created":"0001-01-01T00:00:00Z"}');
  });
});

describe('operations', () => {
  it('creates images and refuses taken IDs and names', async () => {
    const s = await open();
    const a = await s.create({ names: ['a', 'b', 'a'], topLayer: 'L', metadata: 'm' });
    expect(a.id).toMatch(/^[0-9a-f]{64}$/);
    expect(a.names).toEqual(['a', 'b']);
    expect(a.namesHistory).toEqual([]);
    expect(Math.abs(a.created.toDate().getTime() - Date.now())).toBeLessThan(5000);
    await expect(s.create({ id: a.id })).rejects.toMatchObject({
      code: 'ERR_DUPLICATE_ID',
      message: `an image with ID "${a.id}" already exists: that ID is already in use`, // Go's text (cli.md §3.17)
    });
    await expect(s.create({ names: ['b'] })).rejects.toMatchObject({
      code: 'ERR_DUPLICATE_NAME',
      message: `image name "b" is already associated with image "${a.id}": that name is already in use`,
    });
    await expect(s.create({ id: '../x' })).rejects.toMatchObject({ code: 'ERR_INVALID_ID' });
    await expect(s.create({ digest: 'foo' })).rejects.toMatchObject({ code: 'ERR_INVALID_DIGEST' });
    expect((await s.list()).map((i) => i.id)).toEqual([a.id]);
  });

  it('looks images up by ID, name and unique prefix', async () => {
    const s = await open();
    await s.create({ id: 'aa11', names: ['n1'] });
    await s.create({ id: 'aa22' });
    await s.create({ id: 'bb33' });
    expect(await s.lookup('n1')).toBe('aa11');
    expect(await s.lookup('aa2')).toBe('aa22');
    expect(await s.lookup('b')).toBe('bb33');
    expect(await s.exists('aa')).toBe(false);
    await expect(s.get('aa')).rejects.toMatchObject({ code: 'ERR_AMBIGUOUS_ID' });
    await expect(s.get('zz')).rejects.toMatchObject({ code: 'ERR_IMAGE_UNKNOWN', message: 'locating image with ID "zz": image not known' });
    await expect(s.get('')).rejects.toMatchObject({ code: 'ERR_IMAGE_UNKNOWN' });
  });

  it('sets, adds and removes names, moving them between images and keeping a history', async () => {
    const s = await open();
    await s.create({ id: 'one', names: ['a'] });
    await s.create({ id: 'two', names: ['b'] });
    expect((await s.addNames('one', ['c', 'b'])).names).toEqual(['c', 'b', 'a']);
    expect((await s.get('two')).names).toEqual([]);
    expect((await s.get('one')).namesHistory).toEqual(['a', 'b', 'c']);
    expect((await s.removeNames('one', ['b'])).names).toEqual(['c', 'a']);
    await expect(s.get('b')).rejects.toMatchObject({ code: 'ERR_IMAGE_UNKNOWN' });
    expect((await s.setNames('two', ['a', 'a'])).names).toEqual(['a']);
    expect((await s.get('a')).id).toBe('two');
    expect((await s.get('one')).names).toEqual(['c']);
    expect((await s.get('two')).namesHistory).toEqual(['a']);
  });

  it('stores big data with sizes, digests and the manifest digest rule', async () => {
    const s = await open();
    const img = await s.create({ id: 'img' });
    const manifest = '{"schemaVersion":2}';
    const config = Buffer.from('{"config":{}}');
    await s.setBigData('img', 'Config/Blob', config);
    await s.setBigData('img', 'manifest', manifest);
    await s.setBigData('img', 'manifest-sha256:abc', 'other', { digestManifest: () => 'sha256:' + 'f'.repeat(64) });
    const got = await s.get(img.id);
    expect(got.bigDataNames).toEqual(['Config/Blob', 'manifest', 'manifest-sha256:abc']);
    expect(got.bigDataSizes).toEqual({ 'Config/Blob': config.length, manifest: manifest.length, 'manifest-sha256:abc': 5 });
    expect(got.bigDataDigests['Config/Blob']).toBe(digestOf(config));
    expect(got.digest).toBe(digestOf(manifest)); // the first manifest digest becomes the image digest
    expect(got.digests).toEqual([digestOf(manifest), 'sha256:' + 'f'.repeat(64)]);
    expect((await s.byDigest('sha256:' + 'f'.repeat(64))).map((i) => i.id)).toEqual(['img']);
    expect(await s.byDigest(digestOf(config))).toEqual([]); // not a manifest key
    expect(await fs.readFile(path.join(dir, 'img', '=Q29uZmlnL0Jsb2I='))).toEqual(config);
    expect((await fs.stat(path.join(dir, 'img', 'manifest'))).mode & 0o777).toBe(0o600);
    expect((await s.bigData('img', 'manifest')).toString()).toBe(manifest);
    expect(await s.bigDataSize('img', 'Config/Blob')).toBe(config.length);
    expect(await s.bigDataDigest('img', 'manifest')).toBe(digestOf(manifest));
    // replacing an item keeps its position, changes its size
    await s.setBigData('img', 'Config/Blob', 'x');
    expect((await s.get('img')).bigDataNames).toEqual(['Config/Blob', 'manifest', 'manifest-sha256:abc']);
    expect(await s.bigDataSize('img', 'Config/Blob')).toBe(1);
  });

  it('refuses bad big-data keys and reports missing items', async () => {
    const s = await open();
    await s.create({ id: 'img' });
    // Go's text (cli.md §3.36), and the key is checked before the image is looked up.
    for (const ref of ['img', 'nosuch']) {
      await expect(s.setBigData(ref, '', 'x')).rejects.toMatchObject({
        code: 'ERR_INVALID_BIG_DATA_KEY',
        message: "can't set empty name for image big data item: not a valid name for a big data item",
      });
    }
    await expect(s.setBigData('img', '..', 'x')).rejects.toMatchObject({ code: 'ERR_INVALID_BIG_DATA_KEY' });
    await expect(s.setBigData('img', 'manifest', 'x', { digestManifest: () => 'nope' })).rejects.toMatchObject({
      code: 'ERR_INVALID_DIGEST',
    });
    await expect(s.setBigData('nosuch', 'k', 'x')).rejects.toMatchObject({ code: 'ERR_IMAGE_UNKNOWN' });
    await expect(s.bigData('img', 'missing')).rejects.toMatchObject({ code: 'ERR_BIG_DATA_UNKNOWN' });
    await expect(s.bigDataSize('img', 'missing')).rejects.toMatchObject({ code: 'ERR_SIZE_UNKNOWN' });
    await expect(s.bigDataDigest('img', 'missing')).rejects.toMatchObject({ code: 'ERR_DIGEST_UNKNOWN' });
    expect(await s.bigDataNames('img')).toEqual([]);
    expect(await fs.readdir(dir)).toEqual(['images.json', 'images.lock']);
  });

  it('finds images by top layer and mapped top layers, and keeps flags', async () => {
    const s = await open();
    await s.create({ id: 'i1', topLayer: 'L1', created: GoTime.parse('2020-01-01T00:00:00-05:00') });
    await s.create({ id: 'i2', topLayer: 'L2' });
    await s.addMappedTopLayer('i2', 'M2');
    await s.addMappedTopLayer('i2', 'M2');
    expect((await s.byTopLayer('M2')).map((i) => i.id)).toEqual(['i2']);
    expect((await s.byTopLayer('L1')).map((i) => i.id)).toEqual(['i1']);
    await s.setFlag('i1', 'k', { b: [1, 'x'] });
    expect((await s.get('i1')).flags).toEqual({ k: { b: [1, 'x'] } });
    await s.clearFlag('i1', 'k');
    await s.removeMappedTopLayer('i2', 'M2');
    expect(await s.byTopLayer('M2')).toEqual([]);
    expect(await jsonText()).toContain('{"id":"i1","layer":"L1","created":"2020-01-01T00:00:00-05:00"}');
  });

  it('deletes images with their directories', async () => {
    const runDir = path.join(dir, 'run');
    const s = await open({ runDir });
    await s.create({ id: 'img', names: ['n'] });
    await s.setBigData('img', 'k', 'v');
    const userdata = await s.imageDir('n');
    expect(userdata).toBe(path.join(dir, 'img', 'userdata'));
    expect(await s.imageRunDir('img')).toBe(path.join(runDir, 'img', 'userdata'));
    await s.delete('n');
    await expect(fs.stat(path.join(dir, 'img'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(path.join(runDir, 'img'))).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await s.list()).toEqual([]);
    expect(await jsonText()).toBe('[]');
    await expect(s.delete('img')).rejects.toMatchObject({ code: 'ERR_IMAGE_UNKNOWN' });
    await s.create({ id: 'x' });
    await s.create({ id: 'y' });
    await s.wipe();
    expect(await s.list()).toEqual([]);
  });
});

describe('locking and read-only stores', () => {
  it('sees what another store object wrote without reopening', async () => {
    const a = await open();
    const b = await open();
    expect(await b.list()).toEqual([]);
    await a.create({ id: 'img', names: ['n'] });
    expect((await b.get('n')).id).toBe('img');
    await b.setMetadata('img', 'from b');
    expect((await a.get('img')).metadata).toBe('from b');
  });

  it('serves read-only stores and refuses every change', async () => {
    const w = await open();
    await w.create({ id: 'img', names: ['n'] });
    const ro = await open({ readOnly: true });
    const img = await ro.get('n');
    expect(img.readOnly).toBe(true);
    await expect(ro.create({})).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    await expect(ro.setNames('img', [])).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    await expect(ro.imageDir('img')).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    await expect(ImageStore.open(path.join(dir, 'missing'), { readOnly: true })).rejects.toMatchObject({
      code: 'ERR_LOCK_DIR_MISSING',
    });
  });

  it('runs several steps under one lock, and a view dies with its lock', async () => {
    const s = await open();
    let kept: { list(): unknown } | undefined;
    const id = await s.write(async (t) => {
      const img = await t.create({ names: ['x'] });
      await t.setBigData(img.id, 'k', 'v');
      expect((await s.get('x')).bigDataNames).toEqual(['k']); // a nested call on the store itself does not deadlock
      kept = t;
      return img.id;
    });
    expect(await s.read((t) => t.bigDataNames(id))).toEqual(['k']);
    expect(() => kept!.list()).toThrow(expect.objectContaining({ code: 'ERR_VIEW_CLOSED' }));
    await expect(s.read(() => s.create({}))).rejects.toMatchObject({ code: 'ERR_LOCK_UPGRADE' });
  });

  it('returns copies that cannot change the store', async () => {
    const s = await open();
    const img = await s.create({ id: 'img', names: ['n'] });
    img.names.push('hacked');
    (await s.get('img')).bigDataNames.push('x');
    expect((await s.get('img')).names).toEqual(['n']);
    expect((await s.get('img')).bigDataNames).toEqual([]);
  });
});
