import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { gzipSync, gunzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { GzipInflater, gzipInflateAvailable } from '../src/index.js';

// The addon is built with ISA-L wherever its headers are installed (tools/setup.sh installs them), so
// there it must work; elsewhere the only promise is a clear "not available".
const built = existsSync('/usr/include/isa-l/igzip_lib.h');

/** Inflates `gz` in `step`-byte input pieces into `outSize`-byte outputs, member after member, as a stream would. */
async function inflateAll(gz: Buffer, step: number, outSize: number): Promise<Buffer> {
  const inf = new GzipInflater();
  const outs: Buffer[] = [];
  let off = 0;
  let pending = gz.subarray(0, 0);
  let inMember = true;
  for (;;) {
    if (pending.length === 0 && off < gz.length) {
      pending = gz.subarray(off, off + step);
      off += pending.length;
    }
    if (!inMember) {
      if (pending.length === 0) return Buffer.concat(outs);
      inf.reset();
      inMember = true;
    }
    const out = Buffer.alloc(outSize);
    const r = await inf.inflate(pending, out);
    outs.push(out.subarray(0, r.produced));
    pending = pending.subarray(r.consumed);
    if (r.memberEnd) inMember = false;
    else if (r.produced === 0 && pending.length === 0 && off >= gz.length) throw Object.assign(new Error('truncated'), { code: 'TRUNCATED' });
  }
}

describe('gzip inflate (ISA-L)', () => {
  it('is available where the ISA-L headers were present at build time', () => {
    if (built) expect(gzipInflateAvailable()).toBe(true);
    else expect(() => new GzipInflater()).toThrow(expect.objectContaining({ code: 'ERR_GZIP_UNAVAILABLE' }));
  });

  describe.skipIf(!built)('with ISA-L', () => {
    const text = gzipSync(Buffer.from('hello '.repeat(5000)));
    const random = gzipSync(randomBytes(300_000));
    const members = Buffer.concat([text, random, text]);

    it('matches zlib on concatenated members for any input and output piece sizes', async () => {
      const small = Buffer.concat([text, text]);
      expect((await inflateAll(small, 1, 3)).equals(gunzipSync(small))).toBe(true);
      const want = gunzipSync(members);
      for (const [step, out] of [[977, 1000], [4096, 65536], [1 << 20, 1 << 20]] as const) {
        expect((await inflateAll(members, step, out)).equals(want)).toBe(true);
      }
    });

    it('reports the end of each member with the rest of the input unconsumed', async () => {
      const inf = new GzipInflater();
      const r = await inf.inflate(members, Buffer.alloc(1 << 20));
      expect(r).toEqual({ consumed: text.length, produced: 30_000, memberEnd: true });
    });

    it('rejects a wrong CRC-32 or size in the trailer, and corrupt data, with typed errors', async () => {
      const badCrc = Buffer.from(text);
      badCrc[badCrc.length - 6]! ^= 1;
      const badSize = Buffer.from(text);
      badSize[badSize.length - 2]! ^= 1;
      const badMethod = Buffer.from(text);
      badMethod[2] = 9;
      await expect(inflateAll(badCrc, 1 << 20, 1 << 20)).rejects.toMatchObject({ code: 'ERR_GZIP_CHECKSUM' });
      await expect(inflateAll(badSize, 1 << 20, 1 << 20)).rejects.toMatchObject({ code: 'ERR_GZIP_CHECKSUM' });
      await expect(inflateAll(badMethod, 1 << 20, 1 << 20)).rejects.toMatchObject({ code: 'ERR_GZIP_CORRUPT' });
      await expect(inflateAll(random.subarray(0, random.length - 3), 1 << 20, 1 << 20)).rejects.toMatchObject({ code: 'TRUNCATED' });
    });

    it('keeps separate states apart when several inflate at once on the pool', async () => {
      const inputs = [members, Buffer.concat([random, text]), Buffer.concat([text, text, random])];
      const outs = await Promise.all(inputs.map((gz) => inflateAll(gz, 4096, 65536)));
      outs.forEach((out, i) => expect(out.equals(gunzipSync(inputs[i]!))).toBe(true));
    });

    it('refuses a second call on the same state while one runs', async () => {
      const inf = new GzipInflater();
      const first = inf.inflate(random, Buffer.alloc(1 << 20));
      expect(() => inf.inflate(random, Buffer.alloc(16))).toThrow(expect.objectContaining({ code: 'ERR_GZIP_BUSY' }));
      expect(() => inf.reset()).toThrow(expect.objectContaining({ code: 'ERR_GZIP_BUSY' }));
      await first;
    });
  });
});
