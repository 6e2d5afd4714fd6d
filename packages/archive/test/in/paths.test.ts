import { describe, expect, it } from 'vitest';
import { cleanComponents, cleanKey, goCleanKey } from '../../src/common/paths.js';

const b = (s: string) => Buffer.from(s, 'latin1');

describe('name cleaning', () => {
  it('cleans in-root (.. stops at the root)', () => {
    expect(cleanKey(b('./a//b/../c/'))).toBe('a/c');
    expect(cleanKey(b('../../../../outside/PWNED1'))).toBe('outside/PWNED1');
    expect(cleanKey(b('/outside/PWNED2'))).toBe('outside/PWNED2');
    expect(cleanKey(b('a/../../../../x/PWNED3'))).toBe('x/PWNED3');
    expect(cleanComponents(b('./'))).toEqual([]);
    expect(cleanComponents(b('/'))).toEqual([]);
    expect(cleanComponents(b('..'))).toEqual([]);
  });
  it('keeps raw bytes', () => {
    expect(cleanComponents(Buffer.from([0x63, 0x61, 0x66, 0xe9]))[0]).toEqual(Buffer.from([0x63, 0x61, 0x66, 0xe9]));
  });
  it("follows Go's path.Clean for the duplicate check", () => {
    for (const [i, o] of [['a', 'a'], ['./a', 'a'], ['d/', 'd'], ['/a', '/a'], ['../x', '../x'], ['a/./b', 'a/b'], ['a/b/..', 'a'], ['.', '.'], ['./', '.'], ['', '.'], ['/..', '/'], ['a//b', 'a/b'], ['..a', '..a'], ['a.', 'a.']] as const) {
      expect(goCleanKey(b(i))).toBe(o);
    }
  });
});
