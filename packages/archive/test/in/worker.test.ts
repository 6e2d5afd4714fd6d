import { existsSync } from 'node:fs';
import { readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { sha } from './apply-helpers.js';
import { isRoot, skipNote, tempDirs } from './helpers.js';
import { chunked, dir, file, tar } from './tar-builder.js';

// The worker thread only runs from built JavaScript: these tests use dist/ (turbo builds before testing).
const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const dirs = tempDirs();
afterEach(() => dirs.cleanup());

describe.skipIf(skipNote(existsSync(DIST) && isRoot, 'run `pnpm run build` first (and as root): the worker threads load from dist/'))('the built package: apply (digests on a worker thread) and replay (on a worker thread)', () => {
  it('applies, digests and records the tar-split like the in-process path', async () => {
    const mod = (await import(DIST)) as typeof import('../../src/index.js');
    const t = tar(dir('d'), file('d/f', 'x'.repeat(70000), { uid: 3 }), file('g', 'y'));
    const d = await dirs.make();
    const r = await mod.applyTar(d, chunked(t, 1000), { whiteouts: 'delete', recordTarSplit: true });
    expect(r).toMatchObject({ compression: 'none', compressedDigest: sha(t), uncompressedDigest: sha(t), uncompressedSize: t.length, uidset: [0, 3] });
    expect((await readFile(join(d, 'd/f'))).length).toBe(70000);
    const parts: Buffer[] = [];
    for await (const c of mod.assembleFromTarSplit(r.tarSplit!, [d])) parts.push(c as Buffer);
    expect(Buffer.concat(parts).equals(t)).toBe(true);
  });

  it('keeps errors typed', async () => {
    const mod = (await import(DIST)) as typeof import('../../src/index.js');
    const t = tar(file('a', 'x'), file('a', 'y'));
    const err = await mod.applyTar(await dirs.make(), chunked(t, 512), { whiteouts: 'overlay' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mod.ArchiveError);
    expect(err).toMatchObject({ code: 'ERR_ARCHIVE_DUPLICATE_PATH' });
    const fsErr = await mod.applyTar(await dirs.make(), chunked(tar(file('f', 'x'), file('f/g', 'y')), 512), { whiteouts: 'delete' }).catch((e: unknown) => e);
    expect(fsErr).toMatchObject({ code: 'ENOTDIR' });
  });

  it('stops reading the input when the apply fails, and honours an abort signal', async () => {
    const mod = (await import(DIST)) as typeof import('../../src/index.js');
    let pulled = 0;
    async function* endless(): AsyncGenerator<Buffer> {
      yield Buffer.alloc(512, 0x41); // not a tar header
      for (;;) {
        pulled++;
        yield Buffer.alloc(65536);
        if (pulled > 10000) return;
      }
    }
    await expect(mod.applyTar(await dirs.make(), endless(), { whiteouts: 'delete' })).rejects.toMatchObject({ code: expect.stringMatching(/ERR_ARCHIVE_(CHECKSUM|INVALID_HEADER)/) });
    expect(pulled).toBeLessThan(100);

    const ac = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      yield Buffer.concat([tar(file('first', '1')).subarray(0, 1024)]);
      ac.abort();
      await new Promise((r) => setTimeout(r, 50));
      yield tar(file('second', '2'));
    }
    const d = await dirs.make();
    await expect(mod.applyTar(d, slow(), { whiteouts: 'delete', signal: ac.signal })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_ABORTED' });
    expect(await readdir(d)).not.toContain('second');
  });

  it('replays on its worker too: many files across batches, typed errors, bytes before the failure first', async () => {
    const mod = (await import(DIST)) as typeof import('../../src/index.js');
    const members = [];
    for (let i = 0; i < 300; i++) members.push(file(`f${i}`, String(i).repeat(i * 37)));
    members.push(file('big', 'B'.repeat(3 << 20)));
    const t = tar(dir('d'), ...members);
    const d = await dirs.make();
    const r = await mod.applyTar(d, chunked(t, 1 << 16), { whiteouts: 'delete', recordTarSplit: true });
    const parts: Buffer[] = [];
    for await (const c of mod.assembleFromTarSplit(r.tarSplit!, [d])) parts.push(Buffer.from(c as Buffer));
    expect(Buffer.concat(parts).equals(t)).toBe(true);

    await writeFile(join(d, 'f200'), 'changed content'.padEnd(200 * 37, '.'));
    let emitted = 0;
    const err = await (async () => {
      for await (const c of mod.assembleFromTarSplit(r.tarSplit!, [d])) emitted += (c as Buffer).length;
    })().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(mod.ArchiveError);
    expect(err).toMatchObject({ code: 'ERR_TARSPLIT_CHECKSUM', message: 'file integrity checksum failed for "f200"' });
    expect(emitted).toBeGreaterThan(0);
    await rm(join(d, 'f200'));
    await expect((async () => {
      for await (const _ of mod.assembleFromTarSplit(r.tarSplit!, [d])) void _;
    })()).rejects.toMatchObject({ code: 'ENOENT' });
  });
  it('gzip: digests, sizes, tree and tar-split as in-process; decompression errors stay typed', async () => {
    const mod = (await import(DIST)) as typeof import('../../src/index.js');
    const members = [dir('d')];
    for (let i = 0; i < 200; i++) members.push(file(`d/f${i}`, String(i).repeat(1000 + i * 50)));
    const t = tar(...members);
    const gz = gzipSync(t);
    const d = await dirs.make();
    const r = await mod.applyTar(d, chunked(gz, 4096), { whiteouts: 'overlay', recordTarSplit: true });
    expect(r).toMatchObject({ compression: 'gzip', compressedDigest: sha(gz), compressedSize: gz.length, uncompressedDigest: sha(t), uncompressedSize: t.length });
    expect((await readFile(join(d, 'd/f199'))).toString()).toBe('199'.repeat(1000 + 199 * 50));
    const parts: Buffer[] = [];
    for await (const c of mod.assembleFromTarSplit(r.tarSplit!, [d])) parts.push(Buffer.from(c as Buffer));
    expect(Buffer.concat(parts).equals(t)).toBe(true);

    const truncated = await mod.applyTar(await dirs.make(), chunked(gz.subarray(0, gz.length - 100), 4096), { whiteouts: 'overlay' }).catch((e: unknown) => e);
    expect(truncated).toBeInstanceOf(mod.ArchiveError);
    expect(truncated).toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED' });
    const junk = Buffer.concat([gz, Buffer.from('not gzip')]);
    await expect(mod.applyTar(await dirs.make(), chunked(junk, 4096), { whiteouts: 'overlay' })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CORRUPT_COMPRESSED' });
  });

  it('a tar error before a decompression error wins, as in Go (stream order)', async () => {
    const mod = (await import(DIST)) as typeof import('../../src/index.js');
    const t = tar(file('a', 'x'), file('a', 'y'), file('big', 'z'.repeat(4 << 20)));
    const gz = gzipSync(t);
    const err = await mod.applyTar(await dirs.make(), chunked(gz.subarray(0, gz.length - 50), 1 << 16), { whiteouts: 'overlay' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'ERR_ARCHIVE_DUPLICATE_PATH' });
    // an input stream that fails is reported as it failed, once the worker got that far
    async function* failing(): AsyncGenerator<Buffer> {
      yield t.subarray(0, 1024);
      throw Object.assign(new Error('EIO: i/o error, read'), { code: 'EIO' });
    }
    const readErr = await mod.applyTar(await dirs.make(), failing(), { whiteouts: 'delete' }).catch((e: unknown) => e);
    expect(readErr).toMatchObject({ code: 'EIO', message: 'EIO: i/o error, read' });
  });
});
