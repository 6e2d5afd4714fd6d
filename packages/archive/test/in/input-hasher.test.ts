import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { gzipSync } from 'node:zlib';
import { applyTar, withInputSize } from '../../src/in/index.js';
import { HASH_HERE_MAX, PLAIN, RAW, hashesHere, inputHasher } from '../../src/in/input-hasher.js';
import { inputSizeOf } from '../../src/in/input-size.js';
import { isRoot, skipNote, tempDirs } from './helpers.js';
import { file, tar } from './tar-builder.js';

const hex = (...parts: Buffer[]) => {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest('hex');
};

describe('input hashing beside the apply', () => {
  afterEach(() => {
    delete process.env.CS_ARCHIVE_APPLY_IN_PROCESS;
  });

  for (const where of ['worker thread', 'calling thread'] as const) {
    it(`digests both streams on the ${where}, across batches and past the pending limit`, async () => {
      if (where === 'calling thread') process.env.CS_ARCHIVE_APPLY_IN_PROCESS = '1';
      const hasher = inputHasher();
      const raw = [randomBytes(10), randomBytes(3 << 20), Buffer.alloc(0), randomBytes(777)];
      const plain = Array.from({ length: 40 }, (_, i) => randomBytes((1 << 20) + i)); // > 32 batches: update() asks to wait
      let waits = 0;
      for (let i = 0; i < plain.length; i++) {
        if (i < raw.length) await hasher.update(RAW, raw[i]!);
        const w = hasher.update(PLAIN, plain[i]!);
        if (w !== undefined) {
          waits++;
          await w;
        }
      }
      expect(await hasher.digests()).toEqual([hex(...raw), hex(...plain)]);
      if (where === 'worker thread') expect(waits).toBeGreaterThan(0);
      else expect(waits).toBe(0);
    });
  }

  it('both streams may wait for room at once (gzip: raw feeds the inflater while plain feeds the apply)', async () => {
    const hasher = inputHasher();
    const raw: Buffer[] = [];
    const plain: Buffer[] = [];
    const feed = async (stream: typeof RAW | typeof PLAIN, into: Buffer[]) => {
      for (let i = 0; i < 48; i++) {
        const c = randomBytes(1 << 20);
        into.push(c);
        await hasher.update(stream, c);
      }
    };
    await Promise.all([feed(RAW, raw), feed(PLAIN, plain)]);
    expect(await hasher.digests()).toEqual([hex(...raw), hex(...plain)]);
  });

  it('a closed hasher stops without an unhandled rejection', async () => {
    const hasher = inputHasher();
    hasher.update(RAW, randomBytes(100));
    hasher.close();
    await new Promise((r) => setTimeout(r, 50));
  });
});

describe('where the input is hashed', () => {
  afterEach(() => {
    delete process.env.CS_ARCHIVE_APPLY_IN_PROCESS;
  });

  it('small inputs of known size on the calling thread, large or unknown ones on a worker', () => {
    expect(hashesHere(0)).toBe(true);
    expect(hashesHere(30 << 20)).toBe(true);
    expect(hashesHere(HASH_HERE_MAX)).toBe(true);
    expect(hashesHere(HASH_HERE_MAX + 1)).toBe(false);
    expect(hashesHere(undefined)).toBe(false);
    process.env.CS_ARCHIVE_APPLY_IN_PROCESS = '1';
    expect(hashesHere(undefined)).toBe(true);
    expect(hashesHere(HASH_HERE_MAX + 1)).toBe(true);
  });

  it('a size rides on the stream object; anything but a safe non-negative integer is no size', () => {
    async function* gen(): AsyncGenerator<Buffer> {}
    expect(inputSizeOf(gen())).toBeUndefined();
    const g = gen();
    expect(withInputSize(g, 1234)).toBe(g);
    expect(inputSizeOf(g)).toBe(1234);
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) expect(inputSizeOf(withInputSize(gen(), bad))).toBeUndefined();
    expect(inputSizeOf(Object.assign(gen(), { [Symbol.for('@cs/archive.inputSize')]: '12' }))).toBeUndefined();
  });

  it('an fs.ReadStream of a regular file states its size; of anything else, none', async () => {
    const dir = await dirs.make();
    const f = join(dir, 'layer.tar');
    await writeFile(f, Buffer.alloc(5000));
    const streams = [createReadStream(f), createReadStream('/dev/null'), createReadStream(join(dir, 'missing'))];
    for (const s of streams) s.on('error', () => undefined);
    expect(streams.map((s) => inputSizeOf(s))).toEqual([5000, undefined, undefined]);
    expect(inputSizeOf(withInputSize(createReadStream(f), 7))).toBe(7); // a stated size wins
    for (const s of streams) s.destroy();
  });
});

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe.skipIf(skipNote(isRoot, 'apply tests need root'))('digests wherever they are computed', () => {
  const members = Array.from({ length: 300 }, (_, i) => file(`d/f${i}`, randomBytes(i * 97)));
  const t = tar(...members);
  const gz = gzipSync(t);
  async function* chunks(data: Buffer): AsyncGenerator<Buffer> {
    for (let o = 0; o < data.length; o += 65536) yield data.subarray(o, o + 65536);
  }
  for (const [label, data] of [['plain', t], ['gzip', gz]] as const) {
    it(`${label}: same digests, sizes and tar-split with the size hint (calling thread) as without (worker)`, async () => {
      const hinted = await applyTar(await dirs.make(), withInputSize(chunks(data), data.length), { whiteouts: 'overlay', recordTarSplit: true });
      const plain = await applyTar(await dirs.make(), chunks(data), { whiteouts: 'overlay', recordTarSplit: true });
      expect(hinted.compressedDigest).toBe(`sha256:${hex(data)}`);
      expect(hinted.uncompressedDigest).toBe(`sha256:${hex(t)}`);
      expect(hinted).toEqual(plain);
    });
  }
});

describe.skipIf(skipNote(isRoot, 'apply tests need root'))('the caller keeps its event loop', () => {
  it('a long apply from memory gives timers their turns (time slices)', async () => {
    const members = Array.from({ length: 4000 }, (_, i) => file(`f${i}`, 'x'.repeat(i % 200)));
    const t = tar(...members);
    async function* fromMemory(): AsyncGenerator<Buffer> {
      for (let o = 0; o < t.length; o += 1 << 20) yield t.subarray(o, o + (1 << 20));
    }
    let last = performance.now();
    let maxGap = 0;
    const timer = setInterval(() => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
    }, 1);
    const started = performance.now();
    try {
      await applyTar(await dirs.make(), fromMemory(), { whiteouts: 'overlay', recordTarSplit: true });
    } finally {
      clearInterval(timer);
    }
    const took = performance.now() - started;
    // memory input resolves in microtasks only: without slices no timer would run until the entries are done
    expect(took).toBeGreaterThan(50);
    expect(maxGap).toBeLessThan(took / 3);
  });
});
