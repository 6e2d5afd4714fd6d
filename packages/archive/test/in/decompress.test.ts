import { execFileSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { gzipInflateAvailable } from '@cs/sys';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArchiveError, type Compression, decompress, detectCompression } from '../../src/in/index.js';
import { hasBinary } from './helpers.js';
import { chunked, file, tar } from './tar-builder.js';

async function collect(s: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of s) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

async function unpack(data: Buffer, chunk = 1 << 16): Promise<{ compression: Compression; out: Buffer }> {
  const { compression, stream } = await decompress(chunked(data, chunk));
  return { compression, out: await collect(stream) };
}

function compressWith(bin: string, data: Buffer): Buffer {
  return execFileSync(bin, ['-c'], { input: data, maxBuffer: 64 << 20 });
}

const sample = tar(file('a.txt', 'hello\n'), file('b.bin', randomBytes(3000).toString('latin1')));

describe('detectCompression', () => {
  it('recognises the magics and asks for more bytes on a prefix', () => {
    expect(detectCompression(Buffer.from([0x1f, 0x8b, 0x08, 0]))).toBe('gzip');
    expect(detectCompression(Buffer.from('BZh9'))).toBe('bzip2');
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]))).toBe('xz');
    expect(detectCompression(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe('zstd');
    expect(detectCompression(Buffer.from('ustar'))).toBe('none');
    expect(detectCompression(Buffer.from([0x1f]))).toBeUndefined();
    expect(detectCompression(Buffer.from([0xfd, 0x37, 0x7a]))).toBeUndefined();
    expect(detectCompression(Buffer.from([0x1f]), true)).toBe('none');
    expect(detectCompression(Buffer.alloc(0), true)).toBe('none');
  });
});

// gzip runs through ISA-L where @cs/sys has it (the default) or node:zlib: both must behave as Go's reader.
describe.each([
  ['ISA-L', 'isal', gzipInflateAvailable()],
  ['node:zlib', 'zlib', true],
] as const)('gzip through %s', (_name, engine, available) => {
  beforeAll(() => {
    process.env.CS_GZIP_INFLATE = engine;
  });
  afterAll(() => {
    delete process.env.CS_GZIP_INFLATE;
  });
  it.skipIf(available)('is not available: the addon was built without the ISA-L headers', () => {
    expect(existsSync('/usr/include/isa-l/igzip_lib.h')).toBe(false);
  });
  describe.runIf(available)('', () => {
    it('gzip arriving one byte per read is still detected (spec §7.1 #11)', async () => {
      const gz = gzipSync(sample);
      const r = await unpack(gz, 1);
      expect(r.compression).toBe('gzip');
      expect(r.out.equals(sample)).toBe(true);
      const two = await unpack(gz, 2);
      expect(two.compression).toBe('gzip');
    });

    it('concatenates gzip members (§1.2)', async () => {
      const r = await unpack(Buffer.concat([gzipSync(sample), gzipSync(Buffer.from('second'))]));
      expect(r.out.equals(Buffer.concat([sample, Buffer.from('second')]))).toBe(true);
    });

    it('rejects junk after a gzip member and truncated gzip', async () => {
      await expect(unpack(Buffer.concat([gzipSync(sample), randomBytes(100)]))).rejects.toMatchObject({ code: expect.stringMatching(/ERR_ARCHIVE_(CORRUPT_COMPRESSED|TRUNCATED)/) });
      const gz = gzipSync(sample);
      await expect(unpack(gz.subarray(0, gz.length - 20))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED' });
      await expect(unpack(Buffer.concat([Buffer.from([0x1f, 0x8b, 0x08]), randomBytes(200)]))).rejects.toBeInstanceOf(ArchiveError);
      // zlib would silently drop these; Go reports an invalid header
      await expect(unpack(Buffer.concat([gz, Buffer.alloc(10)]))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CORRUPT_COMPRESSED' });
    });

    it('rejects a wrong trailer checksum, and a bad header after a member', async () => {
      const gz = gzipSync(sample);
      const badCrc = Buffer.from(gz);
      badCrc[badCrc.length - 6]! ^= 0xff;
      await expect(unpack(badCrc)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CORRUPT_COMPRESSED' });
      const badNext = Buffer.concat([gz, Buffer.from([0x1f, 0x8b, 0x09, 0, 0, 0, 0, 0, 0, 0, 1, 2, 3])]);
      await expect(unpack(badNext)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CORRUPT_COMPRESSED' });
      await expect(unpack(Buffer.concat([gz, Buffer.from([0x1f])]))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED' });
    });

    it('inflates a large multi-piece layer the same way', async () => {
      const big = randomBytes(3 << 20);
      const data = Buffer.concat([big, Buffer.alloc(2 << 20, 7), big]);
      const r = await unpack(gzipSync(data, { level: 1 }), 100_000);
      expect(r.out.equals(data)).toBe(true);
    });
  });
});

describe('decompress', () => {
  it('passes uncompressed and empty input through', async () => {
    expect((await unpack(sample)).compression).toBe('none');
    const empty = await unpack(Buffer.alloc(0));
    expect(empty.compression).toBe('none');
    expect(empty.out.length).toBe(0);
  });

  for (const [kind, bin] of [['bzip2', 'bzip2'], ['xz', 'xz'], ['zstd', 'zstd']] as const) {
    it.skipIf(!hasBinary(bin))(`${kind} through the system tool, also when corrupt or truncated`, async () => {
      const packed = compressWith(bin, sample);
      const r = await unpack(packed, 3);
      expect(r.compression).toBe(kind);
      expect(createHash('sha256').update(r.out).digest('hex')).toBe(createHash('sha256').update(sample).digest('hex'));
      await expect(unpack(packed.subarray(0, packed.length - 10))).rejects.toBeInstanceOf(ArchiveError);
      const bad = Buffer.from(packed);
      bad.fill(0x55, 12, 40);
      await expect(unpack(bad)).rejects.toBeInstanceOf(ArchiveError);
    });
  }

  it('says which program is missing', async () => {
    const empty = await mkdtemp(join(tmpdir(), 'cs-nopath-'));
    const saved = process.env.PATH;
    process.env.PATH = empty;
    try {
      const xzMagic = Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3]);
      await expect(unpack(xzMagic)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_DECOMPRESSOR_MISSING', message: expect.stringContaining("'xz'") });
    } finally {
      process.env.PATH = saved;
      await rm(empty, { recursive: true, force: true });
    }
  });
});
