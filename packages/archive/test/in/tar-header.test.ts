import { describe, expect, it } from 'vitest';
import { checksumOK, formatOf, numeric, parsePax, parsePaxTime } from '../../src/in/tar-header.js';
import { header, paxData } from './tar-builder.js';

describe('tar header fields', () => {
  it('accepts the unsigned and the signed checksum, nothing else', () => {
    const h = header({ name: Buffer.from([0x63, 0x61, 0x66, 0xe9, 0xff]) }, 0);
    expect(checksumOK(h)).toBe(true);
    let signed = 0;
    for (let i = 0; i < 512; i++) {
      const c = i >= 148 && i < 156 ? 0x20 : h[i]!;
      signed += c > 127 ? c - 256 : c;
    }
    h.write(signed.toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(checksumOK(h)).toBe(true);
    h.write((signed + 1).toString(8).padStart(6, '0') + '\0 ', 148, 'latin1');
    expect(checksumOK(h)).toBe(false);
  });

  it('parses octal with spaces and NULs, and base-256', () => {
    expect(numeric(Buffer.from(' 0000644\0'), 0, 9, 'mode')).toBe(0o644);
    expect(numeric(Buffer.from('\0\0\0\0'), 0, 4, 'x')).toBe(0);
    const b256 = Buffer.alloc(12);
    b256[0] = 0x80;
    b256.writeUIntBE(10 * 1024 ** 3, 6, 6);
    expect(numeric(b256, 0, 12, 'size')).toBe(10 * 1024 ** 3);
    const neg = Buffer.alloc(12, 0xff);
    neg[11] = 0xfe; // -2 in two's complement base-256
    expect(numeric(neg, 0, 12, 'mtime')).toBe(-2);
    expect(() => numeric(Buffer.from('0009\0'), 0, 5, 'mode')).toThrow(/invalid tar header/);
  });

  it('tells the formats apart', () => {
    expect(formatOf(header({ name: 'a' }, 0))).toBe('ustar');
    expect(formatOf(header({ name: 'a', format: 'gnu' }, 0))).toBe('gnu');
    expect(formatOf(header({ name: 'a', format: 'v7' }, 0))).toBe('v7');
    const star = header({ name: 'a' }, 0);
    star.write('tar\0', 508, 'latin1');
    expect(formatOf(star)).toBe('star');
  });

  it('parses PAX records and refuses malformed ones', () => {
    const m = parsePax(paxData({ path: 'a/b', 'SCHILY.xattr.user.x': Buffer.from([0, 1, 0xff]) }));
    expect(m.get('path')?.toString()).toBe('a/b');
    expect(m.get('SCHILY.xattr.user.x')).toEqual(Buffer.from([0, 1, 0xff]));
    for (const bad of ['12 path=a\n', '7 path=a', 'x path=a\n', '6 =ab\n', '8 pathab\n', '12 path=a\0b\n', '3 a\n']) {
      expect(() => parsePax(Buffer.from(bad))).toThrow(/invalid tar header/);
    }
    expect(parsePaxTime(Buffer.from('-1.5'))).toBe(-1_500_000_000n);
    expect(() => parsePaxTime(Buffer.from('1e9'))).toThrow(/invalid tar header/);
  });
});
