import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { readTarSplit } from '../../src/in/index.js';
import { applyInto, replay, sha } from './apply-helpers.js';
import { hasBinary, isRoot, skipNote, tempDirs } from './helpers.js';
import { EOA, dir, file, header, member, paxData, symlink, tar } from './tar-builder.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
const EMPTY = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

describe.skipIf(skipNote(isRoot, 'apply tests need root (chown, mknod, trusted xattrs)'))('stream and format (layer-diff.md §7.1)', () => {
  it('#1 empty input is an empty layer', async () => {
    const d = await dirs.make();
    const r = await applyInto(d, Buffer.alloc(0));
    expect(r).toMatchObject({ compression: 'none', compressedDigest: EMPTY, uncompressedDigest: EMPTY, compressedSize: 0, uncompressedSize: 0, uidset: [], gidset: [] });
    expect(await readdir(d)).toEqual([]);
    expect((await replay(r.tarSplit!, [d])).length).toBe(0);
  });

  it('#2 1024 and 512 zero bytes are empty layers that replay to the same bytes', async () => {
    for (const n of [1024, 512]) {
      const d = await dirs.make();
      const r = await applyInto(d, Buffer.alloc(n));
      expect(r.uncompressedSize).toBe(n);
      expect((await replay(r.tarSplit!, [d])).equals(Buffer.alloc(n))).toBe(true);
    }
  });

  it('#3 a zero block followed by data is an invalid header', async () => {
    const d = await dirs.make();
    await expect(applyInto(d, Buffer.concat([Buffer.alloc(512), member(file('a', 'x'))]))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_INVALID_HEADER', message: expect.stringContaining('invalid tar header') });
  });

  it('#4 truncation inside data or a header is unexpected EOF, and writes stay in the target', async () => {
    const t = tar(file('a', 'x'.repeat(2000)), file('b', 'y'));
    for (const cut of [800, 512 * 5 + 100]) {
      const d = await dirs.make();
      await expect(applyInto(d, t.subarray(0, cut))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED', message: expect.stringContaining('unexpected EOF') });
      expect((await readdir(d)).every((n) => n === 'a' || n === 'b')).toBe(true);
    }
  });

  it('#5 junk: 100 random bytes, 4 KiB random bytes, a short text', async () => {
    await expect(applyInto(await dirs.make(), randomBytes(100))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED' });
    const junk = randomBytes(4096);
    junk[0] = 0x41; // not a compression magic
    await expect(applyInto(await dirs.make(), junk)).rejects.toMatchObject({ message: expect.stringContaining('invalid tar header') });
    await expect(applyInto(await dirs.make(), Buffer.from('just some text\n'))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED' });
  });

  it('#6 one altered checksum digit is rejected', async () => {
    const t = tar(file('a', 'x'));
    t[149] = t[149] === 0x31 ? 0x32 : 0x31;
    await expect(applyInto(await dirs.make(), t)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CHECKSUM', message: expect.stringContaining('invalid tar header') });
    await expect(applyInto(await dirs.make(), Buffer.concat([member({ name: 'a', corruptChecksum: true }), EOA]))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_CHECKSUM' });
  });

  it('#7 trailing garbage counts in digests and replays', async () => {
    const t = Buffer.concat([tar(file('a', 'content')), Buffer.from('TRAILING GARBAGE\n')]);
    const d = await dirs.make();
    const r = await applyInto(d, t);
    expect(r.uncompressedSize).toBe(t.length);
    expect(r.uncompressedDigest).toBe(sha(t));
    expect(await readFile(join(d, 'a'), 'utf8')).toBe('content');
    expect((await replay(r.tarSplit!, [d])).equals(t)).toBe(true);
  });

  it('#8 two gzip members: only the first archive is applied, the second is trailing data', async () => {
    const one = tar(file('first', '1'));
    const two = tar(file('second', '2'));
    const d = await dirs.make();
    const r = await applyInto(d, Buffer.concat([gzipSync(one), gzipSync(two)]));
    expect(r.compression).toBe('gzip');
    expect(await readdir(d)).toEqual(['first']);
    expect(r.uncompressedDigest).toBe(sha(Buffer.concat([one, two])));
    expect((await replay(r.tarSplit!, [d])).equals(Buffer.concat([one, two]))).toBe(true);
  });

  it('#9 gzip followed by junk fails', async () => {
    await expect(applyInto(await dirs.make(), Buffer.concat([gzipSync(tar(file('a', 'x'))), randomBytes(100)]))).rejects.toMatchObject({ code: expect.stringMatching(/^ERR_ARCHIVE_/) });
  });

  it.skipIf(!hasBinary('bzip2'))('#10 a plain tar whose first name starts with BZh is taken for bzip2, as upstream does', async () => {
    await expect(applyInto(await dirs.make(), tar(file('BZh91AY', 'x')))).rejects.toMatchObject({ code: expect.stringMatching(/ERR_ARCHIVE_(CORRUPT_COMPRESSED|TRUNCATED)/) });
  });

  it('#11 gzip arriving two bytes per read records gzip and the right digests', async () => {
    const t = tar(file('a', 'hello'));
    const gz = gzipSync(t);
    const r = await applyInto(await dirs.make(), gz, {}, 2);
    expect(r).toMatchObject({ compression: 'gzip', compressedDigest: sha(gz), compressedSize: gz.length, uncompressedDigest: sha(t), uncompressedSize: t.length });
  });

  it('#12 the same tar in every compression gives the same diff digest', async () => {
    const t = tar(dir('d/'), file('d/f', 'data'.repeat(100)));
    const variants: Array<[string, Buffer]> = [['none', t], ['gzip', gzipSync(t)]];
    for (const [kind, bin] of [['bzip2', 'bzip2'], ['xz', 'xz'], ['zstd', 'zstd']]) {
      if (hasBinary(bin!)) variants.push([kind!, execFileSync(bin!, ['-c'], { input: t })]);
    }
    for (const [kind, data] of variants) {
      const d = await dirs.make();
      const r = await applyInto(d, data);
      expect(r.compression).toBe(kind);
      expect(r.uncompressedDigest).toBe(sha(t));
      expect(r.compressedDigest).toBe(sha(data));
      expect((await replay(r.tarSplit!, [d])).equals(t)).toBe(true);
    }
  });

  it('#13 GNU long names and links, PAX path/linkpath, USTAR prefix: full names, byte-identical replay', async () => {
    const long = `${'l'.repeat(120)}/${'n'.repeat(110)}`;
    const t = tar(
      { name: 'x'.repeat(10), gnuLongName: long, data: 'gnu', format: 'gnu' },
      { name: 'sym', type: '2', linkname: 'short', gnuLongLink: `/${'t'.repeat(150)}`, format: 'gnu' },
      { name: 'paxshort', pax: { path: `p/${'q'.repeat(200)}` }, data: 'pax' },
      { name: 'psym', type: '2', linkname: 'x', pax: { linkpath: `../${'z'.repeat(130)}` } },
      { name: 'tail', prefix: 'pre/fix', data: 'ustar' },
    );
    const d = await dirs.make();
    const r = await applyInto(d, t);
    expect(await readFile(join(d, long), 'utf8')).toBe('gnu');
    expect(await readlink(join(d, 'sym'))).toBe(`/${'t'.repeat(150)}`);
    expect(await readFile(join(d, 'p', 'q'.repeat(200)), 'utf8')).toBe('pax');
    expect(await readlink(join(d, 'psym'))).toBe(`../${'z'.repeat(130)}`);
    expect(await readFile(join(d, 'pre/fix/tail'), 'utf8')).toBe('ustar');
    expect((await replay(r.tarSplit!, [d])).equals(t)).toBe(true);
  });

  it('#14 V7 headers: typeflag NUL is a directory with a slash, else a file', async () => {
    const d = await dirs.make();
    await applyInto(d, tar({ name: 'olddir/', type: '\0', format: 'v7', mode: 0o755 }, { name: 'olddir/f', type: '\0', format: 'v7', data: 'v7' }));
    expect((await lstat(join(d, 'olddir'))).isDirectory()).toBe(true);
    expect(await readFile(join(d, 'olddir/f'), 'utf8')).toBe('v7');
  });

  it('#15 #17 unsupported typeflags are rejected by number', async () => {
    for (const [type, n] of [['S', 83], ['7', 55], ['Z', 90]] as const) {
      await expect(applyInto(await dirs.make(), tar({ name: 'f', type, data: 'x' }))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_UNSUPPORTED_TYPE', message: `unhandled tar header type ${n}` });
    }
  });

  it('#16 PAX sparse members are rejected (tar-split could not reproduce them)', async () => {
    const t = tar({ name: 'sparse', pax: { 'GNU.sparse.major': '1', 'GNU.sparse.minor': '0', 'GNU.sparse.name': 'sparse', 'GNU.sparse.realsize': '1048576' }, data: '' });
    await expect(applyInto(await dirs.make(), t)).rejects.toMatchObject({ code: 'ERR_ARCHIVE_SPARSE_UNSUPPORTED' });
  });

  it('#18 a PAX global header is a size-0 pseudo entry; the file is applied; replay is identical', async () => {
    const g = paxData({ comment: 'hello world' });
    const t = Buffer.concat([header({ name: '././@PaxHeader', type: 'g' }, g.length), g, Buffer.alloc(512 - g.length), member(file('f', 'data')), EOA]);
    const d = await dirs.make();
    const r = await applyInto(d, t);
    expect(await readdir(d)).toEqual(['f']);
    const recs = [];
    for await (const rec of readTarSplit(r.tarSplit!)) recs.push(rec);
    expect(recs.find((x) => x.type === 1 && x.name?.toString() === '././@PaxHeader')).toMatchObject({ size: 0, payload: null });
    expect((await replay(r.tarSplit!, [d])).equals(t)).toBe(true);
  });

  it('#19 non-UTF-8 names are created with their raw bytes and recorded as name_raw', async () => {
    const name = Buffer.from([0x63, 0x61, 0x66, 0xe9]);
    const t = tar({ name, data: 'x', format: 'gnu' });
    const d = await dirs.make();
    const r = await applyInto(d, t);
    expect((await readdir(d, { encoding: 'buffer' }))[0]).toEqual(name);
    expect(gunzipSync(r.tarSplit!).toString()).toContain('"name_raw":"Y2Fm6Q=="');
    expect((await replay(r.tarSplit!, [d])).equals(t)).toBe(true);
  });

  it('#20 duplicate names are refused', async () => {
    for (const pair of [[file('a', '1'), file('a', '2')], [file('a', '1'), file('./a', '2')], [dir('d'), dir('d/')], [file('x', '1'), dir('x/')]]) {
      await expect(applyInto(await dirs.make(), tar(...pair))).rejects.toMatchObject({ code: 'ERR_ARCHIVE_DUPLICATE_PATH', message: expect.stringContaining('duplicates of file paths not supported') });
    }
  });

  it('#21 d then /d -> /etc passes the duplicate check; d ends a symlink and etc gets the d header times', async () => {
    const d = await dirs.make();
    await applyInto(d, tar(dir('etc/', { mtime: 1000 }), dir('d', { mtime: 1234567 }), symlink('/d', '/etc')));
    expect(await readlink(join(d, 'd'))).toBe('/etc');
    expect((await lstat(join(d, 'etc'))).mtimeMs).toBe(1234567000);
  });

  it('keeps memory bounded: a 64 MiB PAX record is refused before it is read', async () => {
    const huge = 64 << 20;
    async function* stream(): AsyncGenerator<Buffer> {
      yield header({ name: 'PaxHeaders/x', type: 'x' }, huge);
      const zeros = Buffer.alloc(1 << 20, 0x41);
      for (let i = 0; i < 64; i++) yield zeros;
    }
    const { applyTar } = await import('../../src/in/index.js');
    const before = process.memoryUsage().heapUsed;
    await expect(applyTar(await dirs.make(), stream(), { whiteouts: 'delete' })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_HEADER_TOO_LONG', message: 'archive/tar: header field too long' });
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(32 << 20);
  });

  it('keeps memory bounded: a 10 GiB member streams (cut short here) without growing the heap', async () => {
    const size = 10 * 1024 ** 3;
    const chunk = Buffer.alloc(1 << 20);
    let peak = 0;
    async function* stream(): AsyncGenerator<Buffer> {
      yield header({ name: 'big' }, size);
      for (let i = 0; i < 256; i++) {
        peak = Math.max(peak, process.memoryUsage().rss);
        yield chunk;
      }
    }
    const { applyTar } = await import('../../src/in/index.js');
    const d = await dirs.make();
    const rss0 = process.memoryUsage().rss;
    await expect(applyTar(d, stream(), { whiteouts: 'delete', recordTarSplit: true })).rejects.toMatchObject({ code: 'ERR_ARCHIVE_TRUNCATED' });
    expect((await lstat(join(d, 'big'))).size).toBe(256 << 20);
    expect(peak - rss0).toBeLessThan(128 << 20);
  });
});
