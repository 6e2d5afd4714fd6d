import { describe, expect, it } from 'vitest';
import { applyStoreDefaults, selectsStore, type GlobalValues } from '../src/globals.js';
import { parseGoDuration } from '../src/duration.js';
import { goErrorText } from '../src/go-errors.js';
import { logfmtValue, rfc3339Seconds } from '../src/logging.js';

const defaults = { graphRoot: '/conf/root', runRoot: '/conf/run', driver: 'overlay', driverOptions: ['overlay.mountopt=nodev'], transientStore: true };

function before(store: GlobalValues['store']): GlobalValues {
  return { store, debug: false, unshare: false };
}

describe('store options before the command (cli.md §1.5)', () => {
  it('keeps a set with a store-selecting option as is, ignoring the defaults', () => {
    const b = before({ driver: 'vfs', driverOptions: [] });
    expect(applyStoreDefaults(b, defaults).store).toEqual({ driver: 'vfs', driverOptions: [] });
    expect(applyStoreDefaults(before({ driverOptions: ['vfs.x=1'] }), defaults).store.graphRoot).toBeUndefined();
  });

  it('replaces the whole set (image store and transient flag included) when none was given', () => {
    const b = before({ driverOptions: [], imageStore: '/img', transientStore: true });
    const got = applyStoreDefaults(b, { ...defaults, transientStore: undefined });
    expect(got.store).toEqual({ ...defaults, transientStore: undefined });
    expect(got.store.imageStore).toBeUndefined();
    // The result is a copy: appending options later does not touch the defaults object.
    got.store.driverOptions!.push('x');
    expect(defaults.driverOptions).toEqual(['overlay.mountopt=nodev']);
  });

  it('treats empty values as not given, and a failed defaults load as an empty set', () => {
    expect(selectsStore({ graphRoot: '', driverOptions: [] })).toBe(false);
    expect(applyStoreDefaults(before({ graphRoot: '' }), null).store).toEqual({ driverOptions: [] });
  });
});

describe('Go durations', () => {
  it('parses what time.ParseDuration accepts', () => {
    expect(parseGoDuration('24h')).toBe(86400000);
    expect(parseGoDuration('1h30m')).toBe(5400000);
    expect(parseGoDuration('300ms')).toBe(300);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('1.5s')).toBe(1500);
  });
  it('rejects the rest with Go messages', () => {
    expect(() => parseGoDuration('5')).toThrow('time: missing unit in duration "5"');
    expect(() => parseGoDuration('abc')).toThrow('time: invalid duration "abc"');
    expect(() => parseGoDuration('')).toThrow('time: invalid duration ""');
    expect(() => parseGoDuration('3y')).toThrow('time: unknown unit "y" in duration "3y"');
  });
});

describe('error and log text', () => {
  it('prints fs errors like Go path errors and other errors by message', () => {
    const e = Object.assign(new Error("ENOENT: no such file or directory, open '/nope'"), { code: 'ENOENT', syscall: 'open', path: '/nope' });
    expect(goErrorText(e)).toBe('open /nope: no such file or directory');
    expect(goErrorText(new Error('layer not known'))).toBe('layer not known');
    expect(goErrorText('plain')).toBe('plain');
  });
  it('quotes logrus values that need it', () => {
    expect(logfmtValue('abc/def')).toBe('abc/def');
    expect(logfmtValue('Root: /x')).toBe('"Root: /x"');
    expect(logfmtValue('')).toBe('""');
    expect(rfc3339Seconds(new Date(0))).toMatch(/^1970-01-01T\d\d:00:00(Z|[+-]\d\d:\d\d)$/);
  });
});
