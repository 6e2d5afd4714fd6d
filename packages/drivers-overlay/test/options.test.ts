import { describe, expect, it } from 'vitest';
import { parseOverlayOptions } from '../src/index.js';

describe('overlay options', () => {
  it('reads the options Go accepts, with any of the prefixes', async () => {
    const o = await parseOverlayOptions([
      'overlay.mountopt=nodev,metacopy=on',
      '.skip_mount_home=true',
      'overlay2.ignore_chown_errors=1',
      'overlay.imagestore=/a,/b',
      'overlay.override_kernel_check=true',
      'overlay.mount_program=/bin/sh',
      'overlay.force_mask=shared',
    ]);
    expect(o).toEqual({
      mountOpt: 'nodev,metacopy=on',
      skipMountHome: true,
      ignoreChownErrors: true,
      imageStores: ['/a', '/b'],
      mountProgram: '/bin/sh',
      forceMask: 0o755,
    });
  });

  it('names an unknown option', async () => {
    await expect(parseOverlayOptions(['overlay.nosuchthing=1'])).rejects.toMatchObject({
      code: 'ERR_DRIVER_OPTION',
      message: 'overlay: unknown option overlay.nosuchthing',
    });
    await expect(parseOverlayOptions(['vfs.ignore_chown_errors=true'])).rejects.toThrow('overlay: unknown option vfs.ignore_chown_errors');
  });

  it('rejects a missing mount program, bad booleans, and force_mask without a mount program', async () => {
    await expect(parseOverlayOptions(['overlay.mount_program=/no/such/fuse'])).rejects.toThrow(/can't stat program/);
    await expect(parseOverlayOptions(['overlay.skip_mount_home=maybe'])).rejects.toMatchObject({ code: 'ERR_DRIVER_OPTION' });
    await expect(parseOverlayOptions(['overlay.force_mask=0700'])).rejects.toThrow(/only with 'mount_program'/);
    await expect(parseOverlayOptions(['overlay.mountopt'])).rejects.toThrow(/unable to parse/);
  });

  it('refuses quota options it cannot honour', async () => {
    await expect(parseOverlayOptions(['overlay.size=10G'])).rejects.toMatchObject({ code: 'ERR_DRIVER_NOT_SUPPORTED' });
  });
});
