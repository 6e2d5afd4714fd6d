import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  canonicalDriverName,
  DriverError,
  openDriver,
  registerDriver,
  registeredDrivers,
  resolveInitOpts,
  type Driver,
  type ResolvedDriverInitOpts,
} from '../src/index.js';

describe('driver registry', () => {
  it('names an unknown driver in a typed error', async () => {
    await expect(openDriver('btrfs', { home: '/x', runHome: '/y' })).rejects.toMatchObject({
      code: 'ERR_DRIVER_UNKNOWN',
      message: expect.stringContaining('"btrfs"'),
    });
  });

  it('resolves overlay2 to overlay and fills homes from the roots', () => {
    expect(canonicalDriverName('overlay2')).toBe('overlay');
    expect(canonicalDriverName('vfs')).toBe('vfs');
    expect(resolveInitOpts('overlay', { graphRoot: '/g', runRoot: '/r', options: ['overlay.mountopt=nodev'] })).toEqual({
      home: '/g/overlay',
      runHome: '/r/overlay',
      options: ['overlay.mountopt=nodev'],
      uidMaps: [],
      gidMaps: [],
    });
    expect(resolveInitOpts('vfs', { home: 'rel/vfs', runHome: '/r/vfs' }).home).toBe(path.resolve('rel/vfs'));
  });

  it('requires both homes', () => {
    expect(() => resolveInitOpts('vfs', { home: '/g/vfs' })).toThrow(DriverError);
  });

  it('opens a registered factory with resolved options', async () => {
    let seen: ResolvedDriverInitOpts | undefined;
    registerDriver('registry-test', async (init) => {
      seen = init;
      return { name: 'registry-test', home: init.home } as unknown as Driver;
    });
    expect(registeredDrivers()).toContain('registry-test');
    const driver = await openDriver('registry-test', { graphRoot: '/g', runRoot: '/r' });
    expect(driver.home).toBe('/g/registry-test');
    expect(seen?.runHome).toBe('/r/registry-test');
  });
});
