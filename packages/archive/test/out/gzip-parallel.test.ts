/** The parallel gzip writer (gzip-parallel.ts): valid single-member gzip for any chunking. */
import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { constants, crc32, gunzipSync, inflateRawSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GZIP_LEVEL, ParallelGzip, compressStream } from '../../src/out/index.js';
import { createHash } from 'node:crypto';
import { collect, GO_CLI, GoStore, hasBinary, isRoot, removeTree, run, tempDir } from './helpers.js';
import { dir as dirEntry, file as fileEntry, tar } from '../in/tar-builder.js';

/** Text-like data that compresses, with repeats across block borders (exercises the dictionary). */
function sample(size: number, seed = 1): Buffer {
  const words = ['layer', 'diff', 'tar', 'gzip', 'block', 'overlay', '/usr/lib/x86_64', 'containers', '\n', ' '];
  const out = Buffer.alloc(size);
  let x = seed;
  let i = 0;
  while (i < size) {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    i += out.write(words[x % words.length]!, i);
  }
  return out;
}

function chunked(data: Buffer, sizes: number[]): Buffer[] {
  const parts: Buffer[] = [];
  let at = 0;
  for (let k = 0; at < data.length; k++) {
    const n = sizes[k % sizes.length]!;
    parts.push(data.subarray(at, at + n));
    at += n;
  }
  return parts;
}

async function gzipOf(parts: Buffer[], opts: ConstructorParameters<typeof ParallelGzip>[0] = {}): Promise<Buffer> {
  return collect(Readable.from(parts).pipe(new ParallelGzip(opts)));
}

/** Header fields, trailer fields and the raw deflate stream in between. */
function members(gz: Buffer): { header: Buffer; crc: number; isize: number; deflate: Buffer } {
  return { header: gz.subarray(0, 10), deflate: gz.subarray(10, gz.length - 8), crc: gz.readUInt32LE(gz.length - 8), isize: gz.readUInt32LE(gz.length - 4) };
}

const haveGo = await hasBinary(GO_CLI);

describe('ParallelGzip', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await tempDir('cs-pgzip-');
  });
  afterAll(async () => {
    await removeTree(dir);
  });

  it.each([
    ['empty input', 0, [1]],
    ['one byte', 1, [1]],
    ['less than a block', 5000, [777]],
    ['exactly one block', 4096, [4096]],
    ['exactly two blocks in odd chunks', 8192, [3000, 1, 5000]],
    ['many blocks, chunks larger than a block', 100_000, [9000, 13]],
  ])('round-trips %s as one gzip member with Go\'s header, CRC-32 and size', async (_what, size, sizes) => {
    const data = sample(size);
    const gz = await gzipOf(chunked(data, sizes), { blockSize: 4096, concurrency: 3 });
    const m = members(gz);
    expect(m.header.equals(Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff]))).toBe(true);
    expect(m.crc).toBe(crc32(data));
    expect(m.isize).toBe(size);
    // one deflate stream: raw inflate of the middle alone gives all the data back
    expect(inflateRawSync(m.deflate).equals(data)).toBe(true);
    expect(gunzipSync(gz).equals(data)).toBe(true);
  });

  it('deflates each block with the previous 32 KiB as dictionary', async () => {
    // 16 KiB of noise repeated: only a block that sees the previous one can refer back to it
    const noise = randomBytes(16 << 10);
    const data = Buffer.concat(Array.from({ length: 64 }, () => noise));
    const blocked = await gzipOf([data], { blockSize: 64 << 10 });
    expect(gunzipSync(blocked).equals(data)).toBe(true);
    // without dictionaries each of the 16 blocks would store the noise again (> 256 KiB)
    expect(blocked.length).toBeLessThan(2 * noise.length);
  });

  it('keeps the output identical whatever the chunking and concurrency (deterministic)', async () => {
    const data = Buffer.concat([sample(50_000, 3), randomBytes(20_000), sample(30_000, 4)]);
    const a = await gzipOf([data], { blockSize: 8192, concurrency: 1 });
    const b = await gzipOf(chunked(data, [1, 8191, 8193, 100]), { blockSize: 8192, concurrency: 5 });
    expect(a.equals(b)).toBe(true);
    expect(gunzipSync(a).equals(data)).toBe(true);
  });

  it('passes GNU gzip -t and decompresses with gzip -d', async () => {
    if (!(await hasBinary('gzip'))) return void console.warn('gzip tool missing: check skipped');
    const data = Buffer.concat([sample(3 << 20, 9), randomBytes(300_000)]);
    const file = join(dir, 'x.gz');
    await writeFile(file, await gzipOf(chunked(data, [65536, 1 << 20, 12345])));
    await run('gzip', ['-t', file]);
    const { stdout } = await run('gzip', ['-dc', file], { encoding: 'buffer', maxBuffer: 16 << 20 });
    expect(stdout.equals(data)).toBe(true);
  });

  it('compresses at level 4 by default, at least as well as zlib level 3 on the whole stream', async () => {
    expect(GZIP_LEVEL).toBe(4);
    const data = sample(3 << 20, 11);
    const ours = await gzipOf([data]);
    const l1 = await gzipOf([data], { level: 1 });
    expect(ours.length).toBeLessThan(l1.length);
  });

  it('keeps a slow reader and many small writes in step (backpressure, no loss)', async () => {
    const data = sample(300_000, 13);
    const got: Buffer[] = [];
    const slow = new Writable({
      highWaterMark: 1024,
      write(c: Buffer, _e, cb) {
        got.push(Buffer.from(c));
        setTimeout(cb, 1);
      },
    });
    await pipeline(Readable.from(chunked(data, [100, 3000])), new ParallelGzip({ blockSize: 16384, concurrency: 2 }), slow);
    expect(gunzipSync(Buffer.concat(got)).equals(data)).toBe(true);
  });

  it('fails the stream on a bad level and on an upstream error', async () => {
    expect(() => new ParallelGzip({ level: 42 })).toThrow(RangeError);
    expect(() => new ParallelGzip({ level: 0 })).toThrow(/1-9/);
    const src = new Readable({
      read() {
        this.destroy(new Error('source broke'));
      },
    });
    const sink = new Writable({ write: (_c, _e, cb) => cb() });
    await expect(pipeline(src, new ParallelGzip(), sink)).rejects.toThrow('source broke');
  });

  it.skipIf(!isRoot || !haveGo)('produces what the Go CLI imports, recording the digest of the uncompressed tar', async () => {
    const members = [dirEntry('d')];
    for (let i = 0; i < 50; i++) members.push(fileEntry(`d/f${i}`, '', { data: sample(30_000 + i * 997, i) }));
    const original = tar(...members);
    const file = join(dir, 'layer.tar.gz');
    await writeFile(file, await gzipOf(chunked(original, [70_000]), { blockSize: 256 << 10 }));
    const go = new GoStore(join(dir, 'go'), 'vfs');
    try {
      await go.cli('import-layer', '--id', 'c'.repeat(64), '--file', file);
      const layer = (JSON.parse(await go.cli('layers', '--json')) as Array<Record<string, unknown>>)[0]!;
      expect(layer['diff-digest']).toBe(`sha256:${createHash('sha256').update(original).digest('hex')}`);
      expect(layer['compression']).toBe(2); // gzip
      expect((await go.cliBytes('diff', '-u', 'c'.repeat(64))).equals(original)).toBe(true);
    } finally {
      await go.shutdown();
    }
  });

  it('is what compressStream uses for gzip', async () => {
    const data = sample(200_000, 5);
    const gz = await collect(compressStream(Readable.from([data]), 'gzip'));
    expect(gz[9]).toBe(0xff); // Go's OS byte, not zlib's 3
    expect(gunzipSync(gz, { finishFlush: constants.Z_SYNC_FLUSH }).equals(data)).toBe(true);
  });
});
