import { describe, expect, it } from 'vitest';
import { encodeHeader, ProduceError, type TarHeader } from '../../src/out/index.js';
import { parseTar } from './helpers.js';

const base: TarHeader = {
  name: 'f', typeflag: 0x30, mode: 0o644, uid: 0, gid: 0, size: 0, mtime: 1600000000,
  linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0,
};

function field(blk: Buffer, off: number, len: number): string {
  return blk.subarray(off, off + len).toString('latin1');
}

function checksumOK(blk: Buffer): boolean {
  let sum = 0;
  for (let i = 0; i < 512; i++) sum += i >= 148 && i < 156 ? 0x20 : blk[i]!;
  return field(blk, 148, 8) === `${sum.toString(8).padStart(6, '0')}\0 `;
}

async function roundTrip(h: TarHeader) {
  const bytes = Buffer.concat([encodeHeader(h), Buffer.alloc(1024)]);
  return (await parseTar(bytes))[0]!;
}

describe('encodeHeader (Go archive/tar layout)', () => {
  it('writes a USTAR block with Go number formatting', () => {
    const blk = encodeHeader({ ...base, size: 5, uid: 1000, gid: 1000, uname: 'u', gname: 'g' });
    expect(blk.length).toBe(512);
    expect(field(blk, 0, 2)).toBe('f\0');
    expect(field(blk, 100, 8)).toBe('0000644\0');
    expect(field(blk, 108, 8)).toBe('0001750\0');
    expect(field(blk, 124, 12)).toBe('00000000005\0');
    expect(field(blk, 136, 12)).toBe(`${(1600000000).toString(8)}\0`);
    expect(field(blk, 257, 8)).toBe('ustar\x0000');
    expect(field(blk, 329, 16)).toBe('0000000\x000000000\0');
    expect(checksumOK(blk)).toBe(true);
  });

  it('splits a long name into prefix and name when a slash allows', () => {
    const name = `${'d'.repeat(90)}/${'e'.repeat(60)}/`;
    const blk = encodeHeader({ ...base, name, typeflag: 0x35, mode: 0o755 });
    expect(blk.length).toBe(512);
    expect(field(blk, 345, 91)).toBe(`${'d'.repeat(90)}\0`);
    expect(field(blk, 0, 62)).toBe(`${'e'.repeat(60)}/\0`);
  });

  it('keeps a 100-byte name in USTAR without a terminator', () => {
    const blk = encodeHeader({ ...base, name: 'n'.repeat(100) });
    expect(blk.length).toBe(512);
    expect(field(blk, 0, 100)).toBe('n'.repeat(100));
  });

  it('uses a PAX path record for long unsplittable and non-ASCII names', async () => {
    const long = 'n'.repeat(120);
    const bytes = encodeHeader({ ...base, name: long });
    expect(bytes.length).toBe(512 * 3);
    expect(field(bytes, 0, 14)).toBe(`PaxHeaders.0/n`);
    expect(bytes[156]).toBe(0x78);
    expect(field(bytes, 512, 130)).toBe(`130 path=${long}\n`);
    expect((await roundTrip({ ...base, name: long })).name).toBe(long);

    const nonAscii = Buffer.from('caf\xe9', 'latin1').toString('latin1');
    const b2 = encodeHeader({ ...base, name: `dir/${nonAscii}` });
    expect(field(b2, 0, 21)).toBe('dir/PaxHeaders.0/caf\0');
    expect(field(b2, 1024, 8)).toBe('dir/caf\0'); // ASCII-only copy in the main header
  });

  it('counts the length digits of a PAX record like Go (98 → 101)', () => {
    const name = 'x'.repeat(91); // "NN path=<91>\n": 98 bytes before the length grows to 3 digits
    const bytes = encodeHeader({ ...base, name, xattrs: [['user.a', Buffer.from('b')]] });
    const data = bytes.subarray(512, 1024).toString('latin1');
    expect(data.startsWith(`101 path=${name}\n`)).toBe(false); // 91 chars fit USTAR: no path record
    const long = 'y'.repeat(102);
    const b2 = encodeHeader({ ...base, name: long });
    expect(b2.subarray(512, 1024).toString('latin1').startsWith(`112 path=${long}\n`)).toBe(true);
  });

  it('puts a splittable long name in a PAX record when PAX is needed anyway', () => {
    const name = `${'d'.repeat(90)}/${'e'.repeat(20)}`;
    const bytes = encodeHeader({ ...base, name, xattrs: [['user.k', Buffer.from('v')]] });
    const data = bytes.subarray(512, 1024).toString('latin1');
    expect(data).toContain(` path=${name}\n`);
    // bytewise order: 'SCHILY…' sorts before 'path'
    expect(data.indexOf('SCHILY.xattr.user.k=v')).toBeLessThan(data.indexOf('path='));
  });

  it('sorts PAX records bytewise and keeps raw xattr bytes', async () => {
    const bytes = encodeHeader({
      ...base,
      uid: 3000000, gid: 4000000, mtime: -315619200,
      xattrs: [['user.z', Buffer.from([0xff, 0xfe])], ['security.capability', Buffer.from([1, 2])]],
    });
    const data = bytes.subarray(512, 1024);
    const text = data.toString('latin1');
    const keys = [...text.matchAll(/\d+ ([^=]+)=/g)].map((m) => m[1]);
    expect(keys).toEqual(['SCHILY.xattr.security.capability', 'SCHILY.xattr.user.z', 'gid', 'mtime', 'uid']);
    expect(text).toContain('SCHILY.xattr.user.z=\xff\xfe\n');
    const main = bytes.subarray(1024, 1536);
    expect(field(main, 108, 8)).toBe('0000000\0'); // did not fit: 0 in the USTAR field
    expect(field(main, 136, 12)).toBe('00000000000\0');
    const m = await roundTrip({ ...base, uid: 3000000, gid: 4000000, mtime: -315619200 });
    expect(m.pax).toMatchObject({ uid: '3000000', gid: '4000000', mtime: '-315619200' });
  });

  it('uses a PAX size record for members of 8 GiB and more', () => {
    const bytes = encodeHeader({ ...base, size: 8 * 1024 ** 3 });
    expect(bytes.subarray(512, 1024).toString('latin1')).toContain(' size=8589934592\n');
    expect(field(bytes.subarray(1024), 124, 12)).toBe('00000000000\0');
  });

  it('drops the trailing slash of a truncated name in the main header', () => {
    // 99 chars + '/' at byte 99: the ASCII copy cut at 100 bytes must not end in '/'
    const name = `${'a'.repeat(99)}/${'\xe9'.repeat(3)}/`;
    const bytes = encodeHeader({ ...base, name, typeflag: 0x35 });
    const main = bytes.subarray(bytes.length - 512);
    expect(field(main, 0, 100)).toBe(`${'a'.repeat(99)}\0`);
  });

  it('rejects values no tar format can hold', () => {
    expect(() => encodeHeader({ ...base, mode: -1 })).toThrow(ProduceError);
    expect(() => encodeHeader({ ...base, devmajor: 0o10000000 })).toThrowError(/cannot encode/);
  });
});
