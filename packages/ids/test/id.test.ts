import { describe, expect, it } from 'vitest';
import { assertValidID, generateID, InvalidIDError, isValidID, truncateID } from '../src/index.js';

describe('generateID', () => {
  it('returns 64 lowercase hex characters, different each time', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const id = generateID();
      expect(id).toMatch(/^[0-9a-f]{64}$/);
      seen.add(id);
    }
    expect(seen.size).toBe(2000);
  });

  it('never returns an ID whose short form is all digits', () => {
    // P(12 digits) = (10/16)^12 ≈ 0.35%: 20 000 draws would hit ~70 of them without the redraw rule.
    for (let i = 0; i < 20000; i++) {
      expect(generateID().slice(0, 12)).not.toMatch(/^[0-9]{12}$/);
    }
  });
});

describe('isValidID / assertValidID', () => {
  const good = 'a'.repeat(63) + '0';
  it('accepts 64 lowercase hex', () => {
    expect(isValidID(good)).toBe(true);
    expect(() => assertValidID(good)).not.toThrow();
  });

  it.each([
    ['too short', 'a'.repeat(63)],
    ['too long', 'a'.repeat(65)],
    ['uppercase', 'A'.repeat(64)],
    ['non-hex', 'g'.repeat(64)],
    ['digest form', `sha256:${'a'.repeat(64)}`],
    ['trailing newline', `${'a'.repeat(64)}\n`],
    ['empty', ''],
  ])('rejects %s with InvalidIDError', (_what, bad) => {
    expect(isValidID(bad)).toBe(false);
    let caught: unknown;
    try {
      assertValidID(bad);
    } catch (e) {
      caught = e;
    }
    expect(caught).toBeInstanceOf(InvalidIDError);
    expect((caught as InvalidIDError).code).toBe('ERR_INVALID_ID');
    expect((caught as InvalidIDError).id).toBe(bad);
  });

  it('rejects non-strings', () => {
    expect(isValidID(42)).toBe(false);
    expect(() => assertValidID(undefined)).toThrow(InvalidIDError);
  });
});

describe('truncateID', () => {
  it('cuts to 12 characters and drops an algorithm prefix', () => {
    expect(truncateID('0123456789abcdef')).toBe('0123456789ab');
    expect(truncateID(`sha256:${'f'.repeat(64)}`)).toBe('ffffffffffff');
    expect(truncateID('abc')).toBe('abc');
  });
});
