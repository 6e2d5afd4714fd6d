import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { digestOf } from '@cs/ids';
import { ContainerStore } from '../src/index.js';

// containers.json records captured from containers-storage 1.43 (on-disk.md §2.5)
const CAPTURED =
  '[{"id":"a3aff933e7acfc9305e8cce84ca9c87aa541a26d7dce1d6aac171225fc4cbb0e","names":["mycontainer"],"image":"ba37a0c0fb16f9fbfb901e5d7e1a2606c4f066899eee43af2424000ffdfe9d06","layer":"10ff717aa2579768a86fed3ba27f08179cdc736cafd03fa8296996f26c10aede","metadata":"ctr-meta","big-data-names":["Config/Blob"],"big-data-sizes":{"Config/Blob":8},"big-data-digests":{"Config/Blob":"sha256:e346432021b04179518d9614f3560ccd71354a4ee101ddcb893d6959a9d6301c"},"created":"2026-11-27T21:24:57.360541738Z","flags":{"MountLabel":"","ProcessLabel":""}},' +
  '{"id":"ae7e013ad07254d637ef05c13c4e0d46422f12d6246e108977c63f5d044c6f09","names":["volctr"],"image":"ba37a0c0fb16f9fbfb901e5d7e1a2606c4f066899eee43af2424000ffdfe9d06","layer":"df1b6ccb0000000000000000000000000000000000000000000000000f95e35e","created":"2026-11-27T21:24:57.541891664Z","flags":{"MountLabel":"","ProcessLabel":"","Volatile":true}},' +
  '{"id":"c3842e110000000000000000000000000000000000000000000000000000149a","names":["mapped"],"image":"","layer":"d8e4057e000000000000000000000000000000000000000000000000000d68d0","created":"2026-11-27T21:26:16.520151951Z","uidmap":[{"container_id":0,"host_id":100000,"size":65536}],"gidmap":[{"container_id":0,"host_id":100000,"size":65536}],"flags":{"MountLabel":"","ProcessLabel":""}}]';
const ID = 'a3aff933e7acfc9305e8cce84ca9c87aa541a26d7dce1d6aac171225fc4cbb0e';

let dir: string;
let runDir: string;
const stores: ContainerStore[] = [];
async function open(opts: { readOnly?: boolean; transient?: boolean } = {}) {
  const s = await ContainerStore.open(path.join(dir, 'vfs-containers'), { runDir, ...opts });
  stores.push(s);
  return s;
}
const file = (name = 'containers.json') => path.join(dir, 'vfs-containers', name);

beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-containers-'));
  runDir = path.join(dir, 'run', 'vfs-containers');
});
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
  await fs.rm(dir, { recursive: true, force: true });
});

describe('records', () => {
  it('reads the captured Go file and rewrites it byte for byte', async () => {
    const s = await open();
    await fs.writeFile(file(), CAPTURED);
    const c = await s.get('mycontainer');
    expect(c.id).toBe(ID);
    expect(c.bigDataSizes).toEqual({ 'Config/Blob': 8 });
    expect((await s.get('mapped')).uidMap).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect((await s.get('volctr')).flags.Volatile).toBe(true);
    expect((await s.get('mapped')).image).toBe('');
    await s.setMetadata(ID, 'ctr-meta');
    await s.setMetadata('volctr', 'x');
    await s.setMetadata('volctr', '');
    expect(await fs.readFile(file(), 'utf8')).toBe(CAPTURED);
  });

  it('always writes image and layer, omits empty members, keeps unknown ones', async () => {
    const s = await open();
    await fs.writeFile(file(), '[{"ID":"c1","layer":"L","created":"2026-01-01T00:00:00Z","future":[1,{"b":2,"a":1}]}]');
    await s.create({ id: 'c2', layer: 'L2', created: new Date('2026-01-02T00:00:00.123Z') });
    expect(await fs.readFile(file(), 'utf8')).toBe(
      '[{"id":"c1","image":"","layer":"L","created":"2026-01-01T00:00:00Z","future":[1,{"b":2,"a":1}]},' +
        '{"id":"c2","image":"","layer":"L2","created":"2026-01-02T00:00:00.123Z"}]',
    );
  });

  it.each([
    ['[{"id":"c","layer":"L","uidmap":{"container_id":0}}]', 'record 0.uidmap: expected an array'],
    ['[{"id":"c","layer":"L","big-data-sizes":{"k":"8"}}]', 'record 0.big-data-sizes.k: expected an integer'],
    ['[{"id":"c","created":"yesterday"}]', 'not an RFC 3339 time'],
    ['[{"id":"c"},{"id":"c"}]', 'appears twice'],
    ['[', 'unexpected end'],
  ])('refuses the corrupt file %j and leaves it untouched', async (text, detail) => {
    const s = await open();
    await fs.writeFile(file(), text);
    await expect(s.list()).rejects.toMatchObject({ code: 'ERR_CORRUPT_STORE_FILE', file: file() });
    await expect(s.list()).rejects.toThrow(detail);
    await expect(s.create({ layer: 'x' })).rejects.toMatchObject({ code: 'ERR_CORRUPT_STORE_FILE' });
    expect(await fs.readFile(file(), 'utf8')).toBe(text);
  });

  it('merges volatile-containers.json after containers.json and keeps each record in its file', async () => {
    const s = await open();
    await fs.writeFile(file(), '[{"id":"s1","image":"","layer":"L1","created":"2026-01-01T00:00:00Z"}]');
    await fs.writeFile(
      file('volatile-containers.json'),
      '[{"id":"v1","image":"","layer":"L2","created":"2026-01-01T00:00:00Z"},{"id":"s1","image":"","layer":"dup","created":"2026-01-01T00:00:00Z"}]',
    );
    expect((await s.list()).map((c) => [c.id, c.volatileFile])).toEqual([
      ['s1', false],
      ['v1', true],
    ]);
    await s.setMetadata('v1', 'm');
    await s.create({ id: 'v2', layer: 'L3', volatileFile: true, created: new Date(0) });
    expect(await fs.readFile(file(), 'utf8')).toBe('[{"id":"s1","image":"","layer":"L1","created":"2026-01-01T00:00:00Z"}]');
    expect(await fs.readFile(file('volatile-containers.json'), 'utf8')).toBe(
      '[{"id":"v1","image":"","layer":"L2","metadata":"m","created":"2026-01-01T00:00:00Z"},{"id":"v2","image":"","layer":"L3","created":"1970-01-01T00:00:00Z"}]',
    );
  });
});

describe('transient store (HEAD transient_store)', () => {
  it('keeps containers.lock and volatile-containers.json in the run dir, new records there', async () => {
    const s = await open({ transient: true });
    const c = await s.create({ id: 't1', layer: 'L1', created: new Date(0) });
    expect((await s.get('t1')).volatileFile).toBe(true);
    expect(await fs.readFile(path.join(runDir, 'volatile-containers.json'), 'utf8')).toBe(
      '[{"id":"t1","image":"","layer":"L1","created":"1970-01-01T00:00:00Z"}]',
    );
    await fs.stat(path.join(runDir, 'containers.lock'));
    for (const name of ['containers.lock', 'containers.json', 'volatile-containers.json']) {
      await expect(fs.stat(file(name))).rejects.toMatchObject({ code: 'ENOENT' });
    }
    // Big data and userdata stay in the store dir; a stable record can still be asked for.
    await s.setBigData('t1', 'k', 'v');
    await fs.stat(path.join(dir, 'vfs-containers', c.id, 'k'));
    expect(await s.containerDir('t1')).toBe(path.join(dir, 'vfs-containers', c.id, 'userdata'));
    await s.create({ id: 's1', layer: 'L2', volatileFile: false, created: new Date(0) });
    expect(await fs.readFile(file(), 'utf8')).toBe('[{"id":"s1","image":"","layer":"L2","created":"1970-01-01T00:00:00Z"}]');
    const again = await open({ transient: true });
    expect((await again.list()).map((x) => [x.id, x.volatileFile])).toEqual([
      ['s1', false],
      ['t1', true],
    ]);
    // The run dir wiped: only the stable record is left.
    for (const st of stores.splice(0)) await st.close();
    await fs.rm(path.join(dir, 'run'), { recursive: true, force: true });
    expect((await (await open({ transient: true })).list()).map((x) => x.id)).toEqual(['s1']);
  });

  it('needs a run dir', async () => {
    await expect(ContainerStore.open(path.join(dir, 'x'), { transient: true })).rejects.toBeInstanceOf(TypeError);
  });
});

describe('operations', () => {
  it('creates containers and refuses taken IDs and names', async () => {
    const s = await open();
    const c = await s.create({ names: ['web', 'web'], image: 'img', layer: 'L', flags: { MountLabel: '', ProcessLabel: '' } });
    expect(c.id).toMatch(/^[0-9a-f]{64}$/);
    expect(c.names).toEqual(['web']);
    await expect(s.create({ id: c.id, layer: 'L2' })).rejects.toMatchObject({
      code: 'ERR_DUPLICATE_ID',
      message: 'that ID is already in use', // Go's text (cli.md §3.18)
    });
    await expect(s.create({ names: ['web'], layer: 'L2' })).rejects.toMatchObject({
      code: 'ERR_DUPLICATE_NAME',
      message: `the container name "web" is already in use by ${c.id}. You have to remove that container to be able to reuse that name: that name is already in use`,
    });
    await expect(s.create({ id: 'a/b', layer: 'L2' })).rejects.toMatchObject({ code: 'ERR_INVALID_ID' });
    expect(await s.list()).toHaveLength(1);
    expect((await s.byImage('img')).map((x) => x.id)).toEqual([c.id]);
  });

  it('looks containers up by ID, name, layer ID and unique prefix', async () => {
    const s = await open();
    await s.create({ id: 'ab1', names: ['n'], layer: 'layer-1' });
    await s.create({ id: 'ab2', layer: 'layer-2' });
    expect(await s.lookup('n')).toBe('ab1');
    expect(await s.lookup('layer-2')).toBe('ab2');
    expect(await s.lookup('ab1')).toBe('ab1');
    await expect(s.lookup('ab')).rejects.toMatchObject({ code: 'ERR_AMBIGUOUS_ID' });
    expect(await s.exists('ab')).toBe(false);
    await expect(s.get('zz')).rejects.toMatchObject({ code: 'ERR_CONTAINER_UNKNOWN' });
  });

  it('moves names between containers', async () => {
    const s = await open();
    await s.create({ id: 'c1', names: ['a'], layer: 'L1' });
    await s.create({ id: 'c2', names: ['b'], layer: 'L2' });
    expect((await s.addNames('c1', ['b', 'c'])).names).toEqual(['b', 'c', 'a']);
    expect((await s.get('c2')).names).toEqual([]);
    expect((await s.removeNames('c1', ['a'])).names).toEqual(['b', 'c']);
    expect((await s.setNames('c2', ['c'])).names).toEqual(['c']);
    expect((await s.get('c1')).names).toEqual(['b']);
  });

  it('stores big data with SHA-256 digests and refuses bad keys', async () => {
    const s = await open();
    await s.create({ id: 'c1', layer: 'L1' });
    const blob = Buffer.from('config\u2028<&>');
    await s.setBigData('c1', 'Config/Blob', blob);
    await s.setBigData('c1', 'manifest', 'm');
    expect(await fs.readFile(path.join(dir, 'vfs-containers', 'c1', '=Q29uZmlnL0Jsb2I='))).toEqual(blob);
    expect(await s.bigData('c1', 'Config/Blob')).toEqual(blob);
    expect(await s.bigDataSize('c1', 'Config/Blob')).toBe(blob.length);
    expect(await s.bigDataDigest('c1', 'manifest')).toBe(digestOf('m'));
    expect(await s.bigDataNames('c1')).toEqual(['Config/Blob', 'manifest']);
    // Go's texts for an empty key (cli.md §3.5-3.8), checked before the container is looked up.
    const sentinel = ': not a valid name for a big data item';
    for (const ref of ['c1', 'c9']) {
      await expect(s.setBigData(ref, '', 'x')).rejects.toMatchObject({
        code: 'ERR_INVALID_BIG_DATA_KEY',
        message: "can't set empty name for container big data item" + sentinel,
      });
      await expect(s.bigData(ref, '')).rejects.toMatchObject({ message: "can't retrieve container big data value for empty name" + sentinel });
      await expect(s.bigDataSize(ref, '')).rejects.toMatchObject({ message: "can't retrieve size of container big data with empty name" + sentinel });
      await expect(s.bigDataDigest(ref, '')).rejects.toMatchObject({
        message: "can't retrieve digest of container big data value with empty name" + sentinel,
      });
    }
    await expect(s.bigData('c1', 'nope')).rejects.toMatchObject({ code: 'ERR_BIG_DATA_UNKNOWN' });
    await expect(s.bigDataSize('c1', 'nope')).rejects.toMatchObject({ code: 'ERR_SIZE_UNKNOWN' });
    await expect(s.bigDataDigest('c1', 'nope')).rejects.toMatchObject({ code: 'ERR_DIGEST_UNKNOWN' });
    await expect(s.setBigData('c9', 'k', 'x')).rejects.toMatchObject({ code: 'ERR_CONTAINER_UNKNOWN' });
  });

  it('creates container and run directories on demand and removes both on delete', async () => {
    const s = await open();
    await s.create({ id: 'c1', names: ['n'], layer: 'L1' });
    const d = await s.containerDir('n');
    const r = await s.containerRunDir('L1');
    expect(d).toBe(path.join(dir, 'vfs-containers', 'c1', 'userdata'));
    expect(r).toBe(path.join(runDir, 'c1', 'userdata'));
    expect((await fs.stat(d)).mode & 0o777).toBe(0o700);
    await fs.writeFile(path.join(r, 'pidfile'), '1');
    await s.delete('c1');
    await expect(fs.stat(path.join(dir, 'vfs-containers', 'c1'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(fs.stat(path.join(runDir, 'c1'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(s.delete('c1')).rejects.toMatchObject({ code: 'ERR_CONTAINER_UNKNOWN' });
    expect(await fs.readFile(file(), 'utf8')).toBe('[]');
  });

  it('keeps flags and ID maps, and wipes everything', async () => {
    const s = await open();
    const map = [{ containerID: 0, hostID: 100000, size: 65536 }];
    await s.create({ id: 'c1', layer: 'L1', uidMap: map, gidMap: map, flags: { MountOpts: ['nodev'] } });
    await s.setFlag('c1', 'Volatile', true);
    await s.clearFlag('c1', 'MountOpts');
    expect(await fs.readFile(file(), 'utf8')).toContain(
      '"uidmap":[{"container_id":0,"host_id":100000,"size":65536}],"gidmap":[{"container_id":0,"host_id":100000,"size":65536}],"flags":{"Volatile":true}}',
    );
    await s.wipe();
    expect(await s.list()).toEqual([]);
  });
});

describe('locking', () => {
  it('sees other writers, serves read-only opens, and refuses writes there', async () => {
    const a = await open();
    const b = await open();
    await a.create({ id: 'c1', layer: 'L1' });
    expect(await b.lookup('c1')).toBe('c1');
    await b.setNames('c1', ['x']);
    expect((await a.get('x')).id).toBe('c1');
    const ro = await open({ readOnly: true });
    expect((await ro.get('x')).id).toBe('c1');
    await expect(ro.setMetadata('c1', 'm')).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    await expect(ro.containerDir('c1')).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
  });

  it('repairs a name held by two records on the next write', async () => {
    const s = await open();
    await fs.writeFile(file(), '[{"id":"c1","names":["n"],"image":"","layer":"L1"},{"id":"c2","names":["n"],"image":"","layer":"L2"}]');
    expect((await s.get('n')).id).toBe('c2');
    await s.create({ id: 'c3', layer: 'L3' });
    expect(await fs.readFile(file(), 'utf8')).toContain('{"id":"c1","image":"","layer":"L1","created":"0001-01-01T00:00:00Z"}');
  });
});
