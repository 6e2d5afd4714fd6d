import { describe, expect, it } from 'vitest';
import { bigDataFileName, bigDataPath } from '../src/big-data-key.js';

describe('bigDataFileName (on-disk.md §1.5)', () => {
  it.each([
    ['manifest', 'manifest'],
    ['simple.key', 'simple.key'],
    ['Config/Blob', '=Q29uZmlnL0Jsb2I='],
    ['UPPER', '=VVBQRVI='],
    ['???', '=Pz8'], // "=Pz8/" with the trailing slash cleaned away, as Go's filepath.Join does
    ['sha256:b8bed7d9428761ffd1a180b81fabf6ab0215adc8fcf3777ea547552525b463b8', '=c2hhMjU2OmI4YmVkN2Q5NDI4NzYxZmZkMWExODBiODFmYWJmNmFiMDIxNWFkYzhmY2YzNzc3ZWE1NDc1NTI1MjViNDYzYjg='],
    ['a-b', '=YS1i'],
    ['é', '=w6k='],
  ])('%j → %j', (key, name) => {
    expect(bigDataFileName(key)).toBe(name);
  });

  it('starts manifest-<digest> keys with the captured prefix', () => {
    expect(bigDataFileName('manifest-sha256:' + '1'.repeat(64)).startsWith('=bWFuaWZlc3Qtc2hhMjU2OjExMTEx')).toBe(true);
  });

  it.each([
    ['', 'not a valid name for a big data item'],
    ['.', 'directory'],
    ['..', 'directory'],
    ['\u00ff\u00ff\u00ffA', 'directory part'], // base64 w7/Dv8O/QQ== has inner slashes
  ])('refuses %j', (key, message) => {
    expect(() => bigDataFileName(key)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_BIG_DATA_KEY' }));
    expect(() => bigDataFileName(key)).toThrow(message);
  });

  it('words an empty key as Go does, after the caller\'s context (cli.md §3.8)', () => {
    expect(() => bigDataFileName('')).toThrow(/^not a valid name for a big data item$/);
    expect(() => bigDataPath('/x', '', "can't set empty name for image big data item")).toThrow(
      /^can't set empty name for image big data item: not a valid name for a big data item$/,
    );
    // The context is for the empty key only.
    expect(() => bigDataFileName('..', 'ctx')).toThrow(/^big data key "\.\." names a directory$/);
  });

  it('joins into the object directory', () => {
    expect(bigDataPath('/g/vfs-images/abc', 'UPPER')).toBe('/g/vfs-images/abc/=VVBQRVI=');
  });
});
