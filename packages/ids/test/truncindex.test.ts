import { describe, expect, it } from 'vitest';
import {
  AmbiguousIDError,
  DuplicateIDError,
  generateID,
  IDNotFoundError,
  InvalidIDError,
  TruncIndex,
} from '../src/index.js';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

describe('TruncIndex', () => {
  const a = 'abc0' + '0'.repeat(60);
  const b = 'abc1' + '0'.repeat(60);
  const c = 'ffff' + '0'.repeat(60);

  it('finds an ID by any unique prefix, including the full ID', () => {
    const idx = new TruncIndex([a, b, c]);
    expect(idx.get('abc0')).toBe(a);
    expect(idx.get('abc1')).toBe(b);
    expect(idx.get('f')).toBe(c);
    expect(idx.get(c)).toBe(c);
    expect(idx.size).toBe(3);
  });

  it('throws AmbiguousIDError for a shared prefix', () => {
    const idx = new TruncIndex([a, b, c]);
    expect(() => idx.get('abc')).toThrow(AmbiguousIDError);
    expect(codeOf(() => idx.get('a'))).toBe('ERR_AMBIGUOUS_ID');
  });

  it('treats a prefix equal to one ID but shared with a longer one as ambiguous (as upstream)', () => {
    const idx = new TruncIndex(['abc', 'abcd']);
    expect(codeOf(() => idx.get('abc'))).toBe('ERR_AMBIGUOUS_ID');
    expect(idx.get('abcd')).toBe('abcd');
  });

  it('throws IDNotFoundError when nothing matches', () => {
    const idx = new TruncIndex([a, b]);
    expect(() => idx.get('abd')).toThrow(IDNotFoundError);
    expect(codeOf(() => idx.get('0'))).toBe('ERR_ID_NOT_FOUND');
    expect(codeOf(() => new TruncIndex().get('a'))).toBe('ERR_ID_NOT_FOUND');
    expect(codeOf(() => idx.get(a + '0'))).toBe('ERR_ID_NOT_FOUND');
  });

  it('rejects an empty prefix', () => {
    expect(codeOf(() => new TruncIndex([a]).get(''))).toBe('ERR_INVALID_ID');
  });

  it('rejects empty IDs, IDs with spaces and duplicates on add', () => {
    const idx = new TruncIndex([a]);
    expect(() => idx.add('')).toThrow(InvalidIDError);
    expect(() => idx.add('has space')).toThrow(InvalidIDError);
    expect(() => idx.add(a)).toThrow(DuplicateIDError);
    expect(codeOf(() => idx.add(a))).toBe('ERR_DUPLICATE_ID');
    expect(idx.size).toBe(1);
  });

  it('delete removes an ID so its prefix becomes unique again; unknown IDs are an error', () => {
    const idx = new TruncIndex([a, b]);
    idx.delete(b);
    expect(idx.has(b)).toBe(false);
    expect(idx.get('abc')).toBe(a);
    expect(codeOf(() => idx.delete(b))).toBe('ERR_ID_NOT_FOUND');
    expect(codeOf(() => idx.delete('abc'))).toBe('ERR_ID_NOT_FOUND');
  });

  it('lists IDs by prefix in sorted order', () => {
    const idx = new TruncIndex([c, b, a]);
    expect([...idx.withPrefix('abc')]).toEqual([a, b]);
    expect([...idx]).toEqual([a, b, c]);
    expect([...idx.withPrefix('z')]).toEqual([]);
  });

  it('agrees with a brute-force scan on many random IDs', () => {
    const ids = Array.from({ length: 3000 }, () => generateID());
    const idx = new TruncIndex(ids);
    for (const id of ids.slice(0, 300)) {
      for (const len of [1, 2, 3, 4, 6, 12]) {
        const p = id.slice(0, len);
        const matches = ids.filter((x) => x.startsWith(p));
        if (matches.length === 1) expect(idx.get(p)).toBe(id);
        else expect(codeOf(() => idx.get(p))).toBe('ERR_AMBIGUOUS_ID');
      }
    }
    for (const id of ids.slice(0, 1500)) idx.delete(id);
    expect(idx.size).toBe(1500);
    for (const id of ids.slice(1500, 1600)) expect(idx.get(id.slice(0, 12))).toBe(id);
  });
});
