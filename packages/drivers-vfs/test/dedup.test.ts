import { statfs, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDriver } from '@cs/drivers';
import { VfsDriver } from '../src/index.js';
import { isRoot, makeTempRoot } from './helpers.js';

const id = (n: number) => n.toString(16).padStart(64, 'a');
/** statfs magic numbers of the file systems that can share extents. */
const REFLINK_FS = new Set([0x58465342 /* XFS */, 0x9123683e /* btrfs */]);

describe.skipIf(!isRoot)('vfs dedup', () => {
  let root: Awaited<ReturnType<typeof makeTempRoot>>;
  let driver: VfsDriver;
  beforeEach(async () => {
    root = await makeTempRoot('cs-vfs-dedup-');
    driver = (await openDriver('vfs', { graphRoot: path.join(root.dir, 'g'), runRoot: path.join(root.dir, 'r') })) as VfsDriver;
  });
  afterEach(() => root.dispose());

  it('looks at the given layers\' directories only; a child (a full copy) twins its parent', async () => {
    await driver.create(id(1), null);
    const content = 'twin '.repeat(2000);
    await writeFile(path.join(driver.home, 'dir', id(1), 'file'), content);
    await driver.create(id(2), id(1));
    expect(await driver.dedup([id(1)], { hashMethod: 'crc' })).toEqual({ deduped: 0 });
    expect(await driver.dedup([id(3)], { hashMethod: 'crc' })).toEqual({ deduped: 0 }); // no such layer: nothing
    await expect(driver.dedup(['../escape'], { hashMethod: 'crc' })).rejects.toMatchObject({ code: 'ERR_INVALID_LAYER_ID' });
    const both = driver.dedup([id(1), id(2)], { hashMethod: 'sha256' });
    if (REFLINK_FS.has((await statfs(driver.home)).type)) {
      expect(await both).toEqual({ deduped: content.length });
    } else {
      await expect(both).rejects.toMatchObject({
        code: 'ERR_DRIVER_NOT_SUPPORTED',
        message: `the file system of ${path.join(driver.home, 'dir', id(2))} cannot share file extents (FIDEDUPERANGE: operation not supported); dedup needs XFS with reflink or btrfs`,
      });
    }
  });
});
