import { describe, expect, it } from 'vitest';
import { DriverError, parseBool, parseForceMask, parseKeyValueOpt, splitDriverOptions, splitMountOptions } from '../src/index.js';

const foreign = (key: string): never => {
  throw new DriverError('ERR_DRIVER_OPTION', `test driver does not support ${key} options`);
};

describe('option parsing', () => {
  it('splits key=value on the first = and trims', () => {
    expect(parseKeyValueOpt(' overlay.mountopt = nodev,metacopy=on ')).toEqual(['overlay.mountopt', 'nodev,metacopy=on']);
    expect(parseKeyValueOpt('a=')).toEqual(['a', '']);
  });

  it('rejects an option without =', () => {
    expect(() => parseKeyValueOpt('overlay.mountopt')).toThrow(/unable to parse key\/value option: overlay.mountopt/);
    try {
      parseKeyValueOpt('x');
    } catch (err) {
      expect((err as DriverError).code).toBe('ERR_DRIVER_OPTION');
    }
  });

  it('accepts exactly the spellings of Go strconv.ParseBool', () => {
    for (const t of ['1', 't', 'T', 'TRUE', 'true', 'True']) expect(parseBool('k', t)).toBe(true);
    for (const f of ['0', 'f', 'F', 'FALSE', 'false', 'False']) expect(parseBool('k', f)).toBe(false);
    for (const bad of ['yes', 'tRuE', '', '2']) expect(() => parseBool('vfs.ignore_chown_errors', bad)).toThrow(/vfs.ignore_chown_errors/);
  });

  it('parses force_mask as octal or shared/private', () => {
    expect(parseForceMask('k', '0755')).toBe(0o755);
    expect(parseForceMask('k', 'shared')).toBe(0o755);
    expect(parseForceMask('k', 'private')).toBe(0o700);
    expect(() => parseForceMask('k', '0799')).toThrow(DriverError);
    expect(() => parseForceMask('k', 'wide')).toThrow(DriverError);
  });

  it('strips the driver prefix or an empty prefix, case-insensitively', () => {
    const opts = splitDriverOptions(['Overlay.MountOpt=nodev', '.imagestore=/ro', 'overlay2.skip_mount_home=true'], ['overlay', 'overlay2'], foreign);
    expect(opts).toEqual([
      { name: 'mountopt', key: 'overlay.mountopt', value: 'nodev' },
      { name: 'imagestore', key: '.imagestore', value: '/ro' },
      { name: 'skip_mount_home', key: 'overlay2.skip_mount_home', value: 'true' },
    ]);
  });

  it("hands another driver's options and prefix-less keys to the driver's error", () => {
    expect(() => splitDriverOptions(['overlay.mountopt=nodev'], ['vfs'], foreign)).toThrow('test driver does not support overlay.mountopt options');
    expect(() => splitDriverOptions(['mountopt=nodev'], ['vfs'], foreign)).toThrow('does not support mountopt options');
  });

  it('splits mount option strings', () => {
    expect(splitMountOptions('nodev,,metacopy=on')).toEqual(['nodev', 'metacopy=on']);
    expect(splitMountOptions('')).toEqual([]);
    expect(splitMountOptions(undefined)).toEqual([]);
  });
});
