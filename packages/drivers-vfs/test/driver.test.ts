import { createReadStream } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeKind } from '@cs/archive';
import { openDriver } from '@cs/drivers';
import { VfsDriver } from '../src/index.js';
import { exists, GO_CLI, goCli, haveGoCli, isRoot, makeTempRoot, tarFileMembers, tarMembers } from './helpers.js';

const haveGo = haveGoCli;
if (!haveGo) console.warn('skipping vfs Go comparisons: containers-storage (Go CLI) is not installed');

if (!isRoot) console.warn('skipping vfs driver tests: they need root');

describe.skipIf(!isRoot)('vfs driver', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let driver: VfsDriver;
  beforeEach(async () => {
    root = await makeTempRoot();
    driver = (await openDriver('vfs', { graphRoot: path.join(root.dir, 'g'), runRoot: path.join(root.dir, 'r') })) as VfsDriver;
  });
  afterEach(() => root.dispose());

  it('is registered under its name and lays layers out in dir/<ID>', async () => {
    expect(driver.name).toBe('vfs');
    expect(driver.home).toBe(path.join(root.dir, 'g', 'vfs'));
    await driver.create('base', null);
    expect((await stat(path.join(driver.home, 'dir', 'base'))).mode & 0o7777).toBe(0o555);
    expect((await stat(path.join(driver.home, 'dir'))).mode & 0o7777).toBe(0o700);
    expect(await driver.get('base', { options: ['ro'] })).toBe(path.join(driver.home, 'dir', 'base'));
    await driver.put('base');
    expect(await driver.status()).toEqual([]);
    expect(await driver.layerFileDirs('base')).toEqual([path.join(driver.home, 'dir', 'base')]);
  });

  it('copies the parent for a child and reports changes, diffs and sizes of the top', async () => {
    await driver.create('base', null);
    const baseDir = await driver.get('base');
    await chmod(baseDir, 0o755);
    await mkdir(path.join(baseDir, 'etc'));
    await writeFile(path.join(baseDir, 'etc', 'gone'), 'bye');
    await writeFile(path.join(baseDir, 'etc', 'kept'), 'same');
    await driver.create('top', 'base');
    expect(await driver.listLayers()).toEqual(['base', 'top']);
    expect(await driver.changes('top', 'base')).toEqual([]);
    expect(await driver.diffSize('top', 'base')).toBe(0);

    const topDir = await driver.get('top');
    expect((await stat(topDir)).mode & 0o7777).toBe(0o755);
    await rm(path.join(topDir, 'etc', 'gone'));
    await writeFile(path.join(topDir, 'etc', 'new'), '12345');
    const changes = (await driver.changes('top', 'base')).map((c) => `${ChangeKind[c.kind]} ${c.path}`).sort();
    expect(changes).toEqual(['Add /etc/new', 'Delete /etc/gone', 'Modify /etc']);
    expect(await driver.diffSize('top', 'base')).toBe(5);
    const members = await tarMembers(await driver.diff('top', 'base'), path.join(root.dir, 'd.tar'));
    expect(members.map((m) => m.split(' ').pop()).sort()).toEqual(['etc/', 'etc/.wh.gone', 'etc/new']);
    expect(await readFile(path.join(baseDir, 'etc', 'gone'), 'utf8')).toBe('bye'); // the parent is untouched
  });

  it('owns a base layer by the host IDs that container root maps to, and copies owners to children', async () => {
    await driver.create('mapped', null, { uidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }], gidMaps: [{ containerID: 0, hostID: 100000, size: 65536 }] });
    const dir = await driver.get('mapped');
    expect((await stat(dir)).uid).toBe(100000);
    await driver.create('child', 'mapped');
    expect((await stat(await driver.get('child'))).uid).toBe(100000);
  });

  it('reports bad input with typed errors', async () => {
    await expect(driver.get('nope')).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST' });
    await expect(driver.create('child', 'nope')).rejects.toMatchObject({ code: 'ERR_LAYER_NOT_EXIST' });
    await expect(driver.get('../x')).rejects.toMatchObject({ code: 'ERR_INVALID_LAYER_ID' });
    await driver.create('base', null);
    await expect(driver.create('base', null)).rejects.toMatchObject({ code: 'ERR_LAYER_EXISTS' });
    await expect(driver.get('base', { options: ['nodev'] })).rejects.toMatchObject({ code: 'ERR_DRIVER_OPTION' });
    await expect(driver.create('q', null, { storageOpt: { size: '1G' } })).rejects.toMatchObject({ code: 'ERR_DRIVER_OPTION' });
    await expect(openDriver('vfs', { graphRoot: root.dir, runRoot: root.dir, options: ['overlay.mountopt=nodev'] })).rejects.toThrow(
      'vfs driver does not support overlay.mountopt options',
    );
    await driver.remove('base');
    expect(await driver.exists('base')).toBe(false);
    expect(await driver.listLayers()).toEqual([]);
    await driver.remove('base'); // already gone: fine
    expect(await readdir(path.join(driver.home, 'dir'))).toEqual([]);
  });

  it.skipIf(!haveGo)('makes layers the Go CLI reads', async () => {
    const tarDir = path.join(root.dir, 'src');
    await mkdir(path.join(tarDir, 'etc'), { recursive: true });
    await writeFile(path.join(tarDir, 'etc', 'hostname'), 'node\n');
    const { runCommand } = await import('./helpers.js');
    await runCommand('tar', ['-C', tarDir, '-cf', path.join(root.dir, 'l.tar'), '.']);
    const id = 'f'.repeat(64);
    await driver.create(id, null);
    await driver.applyDiff(id, null, createReadStream(path.join(root.dir, 'l.tar')));
    await mkdir(path.join(root.dir, 'g', 'vfs-layers'), { recursive: true });
    await writeFile(path.join(root.dir, 'g', 'vfs-layers', 'layers.json'), JSON.stringify([{ id, created: '2026-11-27T22:00:00Z' }]));
    const goRoot = [path.join(root.dir, 'g'), path.join(root.dir, 'r'), 'vfs'] as const;
    expect((await goCli(...goRoot, ['mount', id])).trim()).toBe(path.join(driver.home, 'dir', id));
    await goCli(...goRoot, ['unmount', id]);
    const goTar = path.join(root.dir, 'go.tar');
    const { spawnSync } = await import('node:child_process');
    const out = spawnSync(GO_CLI, ['--graph', goRoot[0], '--run', goRoot[1], '--storage-driver', 'vfs', 'diff', '-u', id]);
    await writeFile(goTar, out.stdout);
    expect(await tarMembers(await driver.diff(id, null), path.join(root.dir, 'ours.tar'))).toEqual(await tarFileMembers(goTar));
    expect(await exists(goTar)).toBe(true);
  });
});
