import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import '@cs/drivers-vfs';
import { openDriver, type Driver } from '@cs/drivers';
import { LayerStore } from '../src/index.js';
import { chunksOf, isRoot, makeTar } from './helpers.js';

const ids = async (file: string): Promise<string[]> => (JSON.parse(await readFile(file, 'utf8')) as Array<{ id: string }>).map((r) => r.id);
const mtime = async (file: string): Promise<bigint> => (await stat(file, { bigint: true })).mtimeNs;

describe.skipIf(!isRoot)('layer record locations (HEAD: stable, split image store, volatile in the run dir)', () => {
  let root: string;
  let driver: Driver;
  const stores: LayerStore[] = [];
  const p = (...x: string[]) => path.join(root, ...x);
  const open = async () => {
    const s = await LayerStore.open({
      driver,
      graphRoot: p('graph'),
      mountDir: p('run', 'vfs-layers'),
      volatileDir: p('run', 'vfs-layers'),
      imageLayerDir: p('images', 'vfs-layers'),
    });
    stores.push(s);
    return s;
  };

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-locations-'));
    driver = await openDriver('vfs', { graphRoot: p('graph'), runRoot: p('run'), imageStore: p('images') });
  });
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.close();
    await rm(root, { recursive: true, force: true });
  });

  it('puts each record in its file, rewrites only files whose records changed, merges in order', async () => {
    const s = await open();
    const image = await s.create({ names: ['img'] });
    const rw = await s.create({ parent: 'img', writeable: true, names: ['rw'] });
    const vol = await s.create({ parent: 'img', writeable: true, volatile: true, names: ['vol'] });
    expect(await ids(s.paths.layersJSON)).toEqual([rw.id]);
    expect(await ids(s.paths.imageLayersJSON!)).toEqual([image.id]);
    expect(await ids(s.paths.volatileLayersJSON)).toEqual([vol.id]);
    expect(s.paths.volatileLayersJSON).toBe(p('run', 'vfs-layers', 'volatile-layers.json'));
    await stat(p('images', 'vfs', 'dir', image.id));
    await stat(p('graph', 'vfs', 'dir', rw.id));

    const before = await Promise.all([s.paths.layersJSON, s.paths.imageLayersJSON!].map(mtime));
    await s.setNames('vol', ['vol2']);
    expect(await Promise.all([s.paths.layersJSON, s.paths.imageLayersJSON!].map(mtime))).toEqual(before);
    expect(JSON.parse(await readFile(s.paths.volatileLayersJSON, 'utf8'))[0].names).toEqual(['vol2']);

    // Another opener merges stable → image store → volatile; an ID seen before is skipped.
    const dup = JSON.parse(await readFile(s.paths.imageLayersJSON!, 'utf8'));
    await writeFile(s.paths.volatileLayersJSON, JSON.stringify([...JSON.parse(await readFile(s.paths.volatileLayersJSON, 'utf8')), { ...dup[0], names: ['shadow'] }]));
    const other = await open();
    expect((await other.layers()).map((l) => [l.id, l.volatile])).toEqual([
      [rw.id, false],
      [image.id, false],
      [vol.id, true],
    ]);
    expect(await other.exists('shadow')).toBe(false);
  });

  it('check covers layers in the split image store: their driver data, replayed contents and big data', async () => {
    const s = await open();
    const { layer } = await s.put({ names: ['img'] }, chunksOf(await makeTar({ 'f.txt': 'original' }, root)));
    const gone = await s.create({ names: ['gone'] });
    await s.setBigData(gone.id, 'item', Buffer.from('v'));
    const rw = await s.create({ parent: 'img', writeable: true });
    expect(await s.check({ contents: true })).toEqual(new Map());
    await writeFile(p('images', 'vfs', 'dir', layer.id, 'f.txt'), 'ORIGINAL'); // same size, other bytes
    await rm(p('images', 'vfs', 'dir', gone.id), { recursive: true });
    await rm(path.join(s.paths.layerDir, gone.id, 'item'));
    const report = await s.check({ contents: true });
    expect(report.get(layer.id)).toEqual([{ code: 'ERR_LAYER_CONTENT_UNREADABLE', message: `layer ${layer.id}: file integrity checksum failed` }]);
    expect(report.get(gone.id)).toEqual([
      { code: 'ERR_LAYER_DRIVER_DATA_MISSING', message: `layer ${gone.id}: layer is missing from the storage driver` },
      { code: 'ERR_LAYER_DATA_MISSING', message: `layer ${gone.id}: data item "item": layer data item is missing` },
    ]);
    expect(report.has(rw.id)).toBe(false); // its copy in the graph root is intact
    expect((await s.check()).has(layer.id)).toBe(false);
  });
});
