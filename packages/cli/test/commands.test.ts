import { mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Store } from '@cs/store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cs, DRIVERS, tempStore, type TempStore } from './helpers.js';

interface Items {
  base: string;
  top: string;
  image: string;
  container: string;
  containerLayer: string;
}

/** A base layer, a child layer, an image on the child and a container on the image, made with the library. */
async function populate(s: TempStore): Promise<Items> {
  const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver: s.driver });
  try {
    const base = await store.createLayer({ names: ['base'] });
    await store.setMetadata(base.id, 'base metadata\n');
    const top = await store.createLayer({ parent: base.id, names: ['top'] });
    const image = await store.createImage({ topLayer: top.id, names: ['img1'], metadata: 'image metadata' });
    const container = await store.createContainer({ image: image.id, names: ['ctr1'], metadata: 'ctr metadata' });
    return { base: base.id, top: top.id, image: image.id, container: container.id, containerLayer: container.layer };
  } finally {
    await store.shutdown(true).catch(() => store.close());
  }
}

describe.each(DRIVERS)('tool-level commands on %s', (driver) => {
  let s: TempStore;
  let items: Items;
  const run = (...args: string[]) => cs([...s.flags, ...args]);
  beforeEach(async () => {
    s = await tempStore(driver);
    items = await populate(s);
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('exists: generic lookup, type flags narrow only the status, --json map, -q', async () => {
    expect(await run('exists', 'top', 'img1', 'nosuch')).toEqual({ status: 1, stdout: 'top: true\nimg1: true\nnosuch: false\n', stderr: '' });
    expect(await run('exists', items.container.slice(0, 10), 'ctr1')).toMatchObject({ status: 0 });
    expect(await run('exists', '-l', 'img1')).toEqual({ status: 1, stdout: 'img1: true\n', stderr: '' });
    expect((await run('exists', '-i', 'img1')).status).toBe(0);
    expect((await run('exists', '-c', 'ctr1', '-l')).status).toBe(1);
    expect((await run('exists', '-c', '-l', items.containerLayer)).status).toBe(0);
    expect(await run('exists', '--json', '-q', 'top', 'nosuch')).toEqual({ status: 1, stdout: '{"nosuch":false,"top":true}\n', stderr: '' });
    expect(await run('exists', '-q', 'top')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('metadata: one trailing newline dropped, unknowns print an empty value and fail', async () => {
    expect(await run('metadata', 'img1', 'ctr1', 'base', 'nosuch')).toEqual({
      status: 1,
      stdout: 'img1: image metadata\nctr1: ctr metadata\nbase: base metadata\nnosuch: \n',
      stderr: '',
    });
    expect((await run('metadata', '-q', 'img1', 'nosuch')).stdout).toBe('image metadata\n\n');
    expect(await run('metadata', '-j', 'img1', 'nosuch')).toEqual({ status: 1, stdout: '{"img1":"image metadata"}\n', stderr: '' });
  });

  it('set-metadata: -m, -f wins, empty refused, unknown item', async () => {
    expect(await run('set-metadata', '-m', 'new <meta>', 'top')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await run('metadata', '-j', 'top')).stdout).toBe('{"top":"new \\u003cmeta\\u003e"}\n');
    const file = path.join(s.dir, 'meta.txt');
    await writeFile(file, 'from file\n');
    expect((await run('set-metadata', '-m', 'ignored', '-f', file, 'img1')).status).toBe(0);
    expect((await run('metadata', 'img1')).stdout).toBe('img1: from file\n');
    expect(await run('set-metadata', '-m', '', 'top')).toEqual({ status: 1, stdout: '', stderr: 'no new metadata provided\n' });
    expect(await run('set-metadata', 'top')).toEqual({ status: 1, stdout: '', stderr: 'no new metadata provided\n' });
    expect(await run('set-metadata', '-m', 'x', 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'identifier is not a layer, image, or container\n' });
    expect(await run('set-metadata', '-f', path.join(s.dir, 'missing'), 'top')).toEqual({
      status: 1,
      stdout: '',
      stderr: `open ${path.join(s.dir, 'missing')}: no such file or directory\n`,
    });
  });

  it('names: get, add (new first), set, remove, --json results, moves between items of one kind', async () => {
    expect(await run('get-names', 'img1')).toEqual({ status: 0, stdout: 'img1\n', stderr: '' });
    expect(await run('add-names', '-n', 'b', '-n', 'a', '-n', 'b', '--json', 'img1', 'ignored')).toEqual({ status: 0, stdout: '["b","a","img1"]\n', stderr: '' });
    expect(await run('set-names', '-n', 'only', 'top')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await run('getnames', '-j', 'only')).stdout).toBe('["only"]\n');
    // A name moves from the other layer.
    expect((await run('add-names', '-n', 'base', items.top)).status).toBe(0);
    expect((await run('get-names', '-j', items.base)).stdout).toBe('[]\n');
    expect((await run('remove-names', '-j', '-n', 'only', items.top)).stdout).toBe('["base"]\n');
    expect((await run('set-names', '-j', items.container)).stdout).toBe('[]\n');
    expect(await run('get-names', 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect(await run('add-names', '-n', 'x', 'nosuch')).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
  });

  it('delete: container (with its layer), image record only, layer without checks; per-argument errors', async () => {
    const r = await run('delete', 'ctr1', 'nosuch', 'img1');
    expect(r).toEqual({ status: 1, stdout: '', stderr: 'nosuch: layer not known\n' });
    expect((await run('exists', items.containerLayer)).status).toBe(1);
    expect((await run('exists', '-l', 'top')).status).toBe(0);
    // The base layer still has a child: delete does not care.
    expect(await run('delete', '--json', 'base', 'again')).toEqual({ status: 1, stdout: '{"again":"layer not known","base":""}\n', stderr: '' });
    expect((await run('exists', 'base')).status).toBe(1);
  });

  it('status and version print pairs on stderr, JSON on stdout', async () => {
    const st = await run('status');
    expect(st.status).toBe(0);
    expect(st.stdout).toBe('');
    expect(st.stderr.startsWith(`Root: ${s.graph}\nRun Root: ${s.run}\nDriver Name: ${driver}\nDriver Options: []\n`)).toBe(true);
    if (driver === 'overlay') expect(st.stderr).toMatch(/Backing Filesystem: .+\nSupports d_type: (true|false)\n/);
    const js = JSON.parse((await run('status', '-j')).stdout) as string[][];
    expect(js.slice(0, 3)).toEqual([['Root', s.graph], ['Run Root', s.run], ['Driver Name', driver]]);
    const v = await run('version');
    expect(v.stdout).toBe('');
    expect(v.stderr).toMatch(/^Version: \d+\.\d+\.\d+\S*\n$/);
    expect((await run('version', '--json')).stdout).toMatch(/^\[\["Version","[^"]+"\]\]\n$/);
  });

  it('wipe removes everything; JSON prints ""', async () => {
    expect(await run('wipe', '-j')).toEqual({ status: 0, stdout: '""\n', stderr: '' });
    expect(await run('exists', '-q', 'base', 'top', 'img1', 'ctr1')).toEqual({ status: 1, stdout: '', stderr: '' });
    expect(await run('wipe')).toEqual({ status: 0, stdout: '', stderr: '' });
  });

  it('shutdown: refused while a layer is mounted, -f unmounts and still fails; JSON {}', async () => {
    expect(await run('shutdown')).toEqual({ status: 0, stdout: '', stderr: '' });
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    try {
      await store.mount(items.container);
    } finally {
      await store.close();
    }
    expect(await run('shutdown')).toEqual({ status: 1, stdout: '', stderr: 'shutdown: a layer is mounted: layer is in use by a container\n' });
    expect(await run('shutdown', '-j')).toEqual({ status: 1, stdout: '{}\n', stderr: '' });
    expect(await run('shutdown', '-f')).toEqual({ status: 1, stdout: '', stderr: 'shutdown: a layer is mounted: layer is in use by a container\n' });
    expect(await run('shutdown', '--json')).toEqual({ status: 0, stdout: '""\n', stderr: '' });
  });

  it('check: clean store, reports, max-age parsing, repair', async () => {
    expect(await run('check')).toEqual({ status: 0, stdout: '', stderr: '' });
    expect((await run('check', '-j')).stdout).toBe('{"Layers":{},"ROLayers":{},"Images":{},"ROImages":{},"Containers":{}}\n');
    expect(await run('check', '-m', '5')).toEqual({ status: 1, stdout: '', stderr: 'time: missing unit in duration "5"\n' });
    // An unreferenced layer younger than the limit is fine; with -m 0 it is reported.
    const store = await Store.open({ graphRoot: s.graph, runRoot: s.run, driver });
    let lone: string;
    try {
      lone = (await store.createLayer({})).id;
    } finally {
      await store.close();
    }
    expect((await run('check', '-q')).status).toBe(0);
    const r = await run('check', '-q', '-m', '0');
    expect(r.status).toBe(1);
    expect(r.stdout).toBe(`layer ${lone}:\n layer ${lone}: layer not referenced by any images or containers\n`);
    expect(r.stderr).toBe('1 layer errors, 0 read-only layer errors, 0 image errors, 0 read-only image errors, 0 container errors\n');
    const j = await run('check', '-q', '-m', '0', '--json');
    expect(j.stdout).toBe(`{"Layers":{"${lone}":[{}]},"ROLayers":{},"Images":{},"ROImages":{},"Containers":{}}\n`);
    expect(await run('check', '-q', '-r', '-m', '0')).toMatchObject({ status: 0 });
    expect((await run('exists', lone)).status).toBe(1);
    expect((await run('exists', 'base', 'top', 'img1', 'ctr1')).status).toBe(0);
  });

  it('gc removes directories without records and leaves records alone', async () => {
    const stray = path.join(s.graph, `${driver}-images`, 'f'.repeat(64));
    await mkdir(stray, { recursive: true });
    expect(await run('gc', '-j')).toEqual({ status: 0, stdout: '""\n', stderr: '' });
    expect(await readdir(path.join(s.graph, `${driver}-images`))).not.toContain('f'.repeat(64));
    expect((await run('exists', 'img1', 'ctr1', 'top')).status).toBe(0);
  });
});

describe('config', () => {
  let s: TempStore;
  beforeEach(async () => {
    s = await tempStore('vfs');
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('prints the library defaults from the configuration as StoreOptions JSON', async () => {
    const conf = path.join(s.dir, 'storage.conf');
    await writeFile(conf, '[storage]\ndriver = "vfs"\ngraphroot = "/g"\nrunroot = "/r"\n[storage.options]\nremap-uids = "0:100000:65536"\n');
    const r = await cs([...s.flags, 'config'], { env: { ...process.env, CONTAINERS_STORAGE_CONF: conf } });
    expect(r).toEqual({
      status: 0,
      stdout: '{"runroot":"/r","root":"/g","RootlessStoragePath":"","driver":"vfs","uidmap":[{"container_id":0,"host_id":100000,"size":65536}],"PullOptions":null}\n',
      stderr: '',
    });
  });

  it('with a file prints only that file\'s settings; a missing file is a reload error', async () => {
    const conf = path.join(s.dir, 'other.conf');
    await writeFile(conf, '[storage]\ndriver = "overlay"\n[storage.options.overlay]\nmountopt = "nodev"\n');
    expect((await cs([...s.flags, 'config', conf])).stdout).toBe('{"RootlessStoragePath":"","driver":"overlay","driver-options":["overlay.mountopt=nodev"],"PullOptions":null}\n');
    expect(await cs([...s.flags, 'config', '/nonexistent.conf'])).toEqual({ status: 1, stdout: '', stderr: 'reload: stat /nonexistent.conf: no such file or directory\n' });
    expect((await cs([...s.flags, 'config', 'a', 'b'])).status).toBe(1);
  });
});

describe('unshare', () => {
  let s: TempStore;
  beforeEach(async () => {
    s = await tempStore('vfs');
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('runs the command in a new user namespace; a failing command gives status 1', async () => {
    const probe = await cs([...s.flags, 'unshare', 'cat', '/proc/self/uid_map']);
    if (probe.stderr.includes('not found') || probe.stderr.includes('Operation not permitted')) {
      console.warn(`skipping unshare checks: ${probe.stderr.trim()}`);
      return;
    }
    expect(probe.status).toBe(0);
    expect(probe.stdout.trim().split(/\s+/)).toEqual(['0', String(process.geteuid?.() ?? 0), '1']);
    expect(await cs([...s.flags, 'unshare', 'sh', '-c', 'exit 3'])).toEqual({ status: 1, stdout: '', stderr: 'exit status 3\n' });
    const u = await cs(['-U', ...s.flags, 'exists', '-q', 'x']);
    expect(u).toEqual({ status: 1, stdout: '', stderr: '' });
  });
});
