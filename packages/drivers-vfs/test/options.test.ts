import { describe, expect, it } from 'vitest';
import { parseVfsOptions } from '../src/index.js';

describe('vfs options', () => {
  it('reads ignore_chown_errors and image stores', () => {
    expect(parseVfsOptions(['vfs.ignore_chown_errors=true', '.imagestore=/ro1,/ro2', 'VFS.additionalimagestore=/ro3'])).toEqual({
      ignoreChownErrors: true,
      imageStores: ['/ro1', '/ro2', '/ro3'],
    });
    expect(parseVfsOptions([])).toEqual({ ignoreChownErrors: false, imageStores: [] });
  });

  it("rejects other drivers' options with Go's message", () => {
    expect(() => parseVfsOptions(['overlay.mountopt=nodev'])).toThrow('vfs driver does not support overlay.mountopt options');
    expect(() => parseVfsOptions(['vfs.size=10G'])).toThrow(expect.objectContaining({ code: 'ERR_DRIVER_OPTION', message: 'vfs driver does not support vfs.size options' }));
    expect(() => parseVfsOptions(['vfs.mountopt=nodev'])).toThrow('vfs driver does not support mount options');
    expect(() => parseVfsOptions(['vfs.ignore_chown_errors=perhaps'])).toThrow(/invalid boolean/);
  });
});
