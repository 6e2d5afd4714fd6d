import { createReadStream } from 'node:fs';
import { chmod, lstat, mkdir, open, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DriverError, type StagedLayer } from '@cs/drivers';
import { ofdTryLock } from '@cs/sys';
import { OverlayDriver } from '../src/index.js';
import { isRoot, makeTar, makeTempRoot, openTestDriver } from './helpers.js';

const id = (n: number) => n.toString(16).padStart(63, '0') + 'e';

describe.skipIf(!isRoot)('overlay staged applies (staging area)', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let driver: OverlayDriver;
  beforeEach(async () => {
    root = await makeTempRoot();
    driver = await openTestDriver(root.dir);
  });
  afterEach(async () => {
    await driver.cleanup().catch(() => undefined);
    await root.dispose();
  });

  const tarOf = async (name: string, entries: string[]) => {
    const file = path.join(root.dir, name);
    await makeTar(file, entries);
    return createReadStream(file);
  };

  it('stages under <home>/staging/<random>/dir with a held staging.lock, then swaps it in as diff/', async () => {
    await driver.create(id(1), null);
    const diff = path.join(driver.home, id(1), 'diff');
    await writeFile(path.join(diff, 'old'), 'replaced away');
    const staged = await driver.prepareStaged(
      await tarOf('a.tar', ['d:etc:0750', 'f:etc/conf:hello', 'f:.wh.gone:', 'f:top:x:0600']),
      { recordTarSplit: true },
    );
    const parent = path.dirname(staged.target);
    expect(path.dirname(parent)).toBe(path.join(driver.home, 'staging'));
    expect(path.basename(staged.target)).toBe('dir');
    expect(staged.result.tarSplit).toBeDefined();
    expect(staged.result.uncompressedSize).toBeGreaterThan(0);
    // The staging dir's lock is held: HEAD's pruning (a try-lock) would leave it alone.
    const probe = await open(path.join(parent, 'staging.lock'), 'r+');
    expect(await ofdTryLock(probe.fd, 'w')).toBe(false);
    await probe.close();
    // Not a layer, whatever is in the staging area.
    expect(await driver.listLayers()).toEqual([id(1)]);

    await driver.applyStaged(id(1), null, staged);
    expect((await readdir(diff)).sort()).toEqual(['etc', 'gone', 'top']);
    expect(await readFile(path.join(diff, 'etc', 'conf'), 'utf8')).toBe('hello');
    const wh = await lstat(path.join(diff, 'gone'));
    expect(wh.isCharacterDevice() && wh.rdev === 0).toBe(true); // overlay whiteout
    expect((await stat(path.join(diff, 'etc'))).mode & 0o7777).toBe(0o750);
    // No root entry in the tar: the layer's diff/ keeps its mode (0555 for a base layer).
    expect((await stat(diff)).mode & 0o7777).toBe(0o555);
    await driver.cleanupStaged(staged);
    expect(await readdir(path.join(driver.home, 'staging'))).toEqual([]);
    // The layer mounts with the new content.
    const merged = await driver.get(id(1));
    expect((await readdir(merged)).sort()).toEqual(['etc', 'top']);
    await driver.put(id(1));
  });

  it('keeps the mode of the layer\'s diff/ root (a child layer\'s, inherited from its parent), root entry or not', async () => {
    await driver.create(id(1), null);
    await chmod(path.join(driver.home, id(1), 'diff'), 0o711);
    await driver.create(id(2), id(1));
    const childDiff = path.join(driver.home, id(2), 'diff');
    expect((await stat(childDiff)).mode & 0o7777).toBe(0o711);
    let staged = await driver.prepareStaged(await tarOf('b.tar', ['f:f:1']), { recordTarSplit: true });
    await driver.applyStaged(id(2), id(1), staged);
    await driver.cleanupStaged(staged);
    expect((await stat(childDiff)).mode & 0o7777).toBe(0o711);
    staged = await driver.prepareStaged(await tarOf('c.tar', ['d:./:0700', 'f:g:2']), { recordTarSplit: true });
    await driver.applyStaged(id(2), id(1), staged);
    await driver.cleanupStaged(staged);
    // As applyDiff on overlay: the tar's root entry does not touch diff/.
    expect((await stat(childDiff)).mode & 0o7777).toBe(0o711);
    expect(await readdir(childDiff)).toEqual(['g']);
  });

  it('prunes staging dirs of dead processes (lock free or missing) and keeps locked ones', async () => {
    const area = path.join(driver.home, 'staging');
    for (const name of ['dead', 'nolock', 'live']) await mkdir(path.join(area, name, 'dir'), { recursive: true });
    await writeFile(path.join(area, 'dead', 'staging.lock'), '');
    await writeFile(path.join(area, 'live', 'staging.lock'), '');
    // Another open file description holding the lock stands for a live process (OFD locks conflict).
    const holder = await open(path.join(area, 'live', 'staging.lock'), 'r+');
    expect(await ofdTryLock(holder.fd, 'w')).toBe(true);
    await driver.create(id(1), null);
    const staged = await driver.prepareStaged(await tarOf('p.tar', ['f:x:1']), { recordTarSplit: true });
    expect((await readdir(area)).sort()).toEqual(['live', path.basename(path.dirname(staged.target))].sort());
    await driver.cleanupStaged(staged);
    await holder.close();
    expect(await readdir(area)).toEqual(['live']);
  });

  it('removes the staging dir when unpacking fails, and refuses foreign or mounted targets', async () => {
    await driver.create(id(1), null);
    const junk = Readable.from([Buffer.alloc(700, 7)]);
    await expect(driver.prepareStaged(junk, { recordTarSplit: true })).rejects.toThrow();
    expect(await readdir(path.join(driver.home, 'staging'))).toEqual([]);

    const foreign = path.join(root.dir, 'elsewhere', 'dir');
    await mkdir(foreign, { recursive: true });
    const fake: StagedLayer = { target: foreign, result: {} as StagedLayer['result'] };
    await expect(driver.applyStaged(id(1), null, fake)).rejects.toMatchObject({ code: 'ERR_STAGING' });
    await expect(driver.cleanupStaged(fake)).rejects.toBeInstanceOf(DriverError);
    expect(await readdir(path.dirname(foreign))).toEqual(['dir']); // left alone

    const staged = await driver.prepareStaged(await tarOf('d.tar', ['f:x:1']), { recordTarSplit: true });
    await driver.get(id(1));
    await expect(driver.applyStaged(id(1), null, staged)).rejects.toMatchObject({ code: 'ERR_LAYER_MOUNTED' });
    await driver.put(id(1));
    await driver.cleanupStaged(staged);
    await driver.cleanupStaged(staged); // idempotent
    expect(await readdir(path.join(driver.home, 'staging'))).toEqual([]);
    expect(await readdir(path.join(driver.home, id(1), 'diff'))).toEqual([]);
  });
});
