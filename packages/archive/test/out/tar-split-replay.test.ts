/** replayTarSplit (tar-split-replay.ts): byte-exact replay on the calling thread, and its failures. */
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyTar } from '../../src/in/index.js';
import { crc64 } from '../../src/common/crc64.js';
import { replayTarSplit } from '../../src/out/index.js';
import { chunked, dir, file, symlink, tar } from '../in/tar-builder.js';
import { collect, removeTree, tempDir } from './helpers.js';

/** A tar-split stream written by hand, one JSON object per line. */
function tarSplitOf(lines: object[], trailingNewline = true): Buffer {
  const text = lines.map((l) => JSON.stringify(l)).join('\n') + (trailingNewline ? '\n' : '');
  return gzipSync(text);
}
const seg = (b: Buffer | string, position: number) => ({ type: 2, payload: Buffer.from(b).toString('base64'), position });
const ent = (name: string, content: Buffer | string, position: number) => ({
  type: 1,
  name,
  size: Buffer.byteLength(content),
  payload: crc64(Buffer.from(content)).toString('base64'),
  position,
});

/** Reads the stream to its end or failure: the bytes that came out, and the error if any. */
async function drain(s: AsyncIterable<Uint8Array>): Promise<{ bytes: Buffer; error: unknown }> {
  const parts: Buffer[] = [];
  try {
    for await (const c of s) parts.push(Buffer.from(c));
    return { bytes: Buffer.concat(parts), error: undefined };
  } catch (error) {
    return { bytes: Buffer.concat(parts), error };
  }
}

describe('replayTarSplit', () => {
  let root: string;
  let layer: string;
  let original: Buffer;
  let tarSplit: Buffer;

  beforeAll(async () => {
    root = await tempDir('cs-replay-');
    layer = join(root, 'layer');
    await mkdir(layer);
    const members = [dir('d'), symlink('d/ln', '../big'), file('empty')];
    for (let i = 0; i < 400; i++) members.push(file(`d/f${i}`, String(i).repeat((i * 53) % 9000)));
    members.push(file('big', 'B'.repeat(3 << 20) + 'end')); // spans output batches
    original = tar(...members);
    const r = await applyTar(layer, chunked(original, 1 << 16), { whiteouts: 'delete', recordTarSplit: true });
    tarSplit = r.tarSplit!;
  });
  afterAll(async () => {
    await removeTree(root);
  });

  it('gives back the original tar byte for byte, from a buffer or a stream of the tar-split', async () => {
    expect((await collect(replayTarSplit(tarSplit, [layer]))).equals(original)).toBe(true);
    async function* pieces(): AsyncGenerator<Buffer> {
      for (let i = 0; i < tarSplit.length; i += 999) yield tarSplit.subarray(i, i + 999);
    }
    expect((await collect(replayTarSplit(pieces(), [layer]))).equals(original)).toBe(true);
  });

  it('looks files up in each directory in turn, the first that has them winning', async () => {
    const upper = join(root, 'upper');
    await mkdir(join(upper, 'x'), { recursive: true });
    await writeFile(join(upper, 'x/a'), 'from upper');
    await mkdir(join(root, 'lower/x'), { recursive: true });
    await writeFile(join(root, 'lower/x/a'), 'from lower');
    await writeFile(join(root, 'lower/x/b'), 'only lower');
    const ts = tarSplitOf([seg('H1', 0), ent('x/a', 'from upper', 1), seg('H2', 2), ent('./x//b', 'only lower', 3), seg('END', 4)]);
    const out = await collect(replayTarSplit(ts, [upper, join(root, 'lower')]));
    expect(out.toString()).toBe('H1from upperH2only lowerEND');
  });

  it('accepts a last line without a newline and blank lines', async () => {
    const lines = [seg('a', 0), seg('b', 1)];
    const ts = gzipSync(JSON.stringify(lines[0]) + '\n\n  \n' + JSON.stringify(lines[1]));
    expect((await collect(replayTarSplit(ts, [layer]))).toString()).toBe('ab');
  });

  it('fails on a changed file after emitting the bytes before it (its own included), as upstream', async () => {
    const copy = join(root, 'changed');
    await mkdir(copy);
    await writeFile(join(copy, 'a'), 'AAAA');
    await writeFile(join(copy, 'b'), 'XXXX'); // recorded as BBBB
    const ts = tarSplitOf([seg('h1', 0), ent('a', 'AAAA', 1), seg('h2', 2), ent('b', 'BBBB', 3), seg('tail', 4)]);
    const { bytes, error } = await drain(replayTarSplit(ts, [copy]));
    expect(error).toMatchObject({ code: 'ERR_TARSPLIT_CHECKSUM', message: expect.stringContaining('"b"') });
    expect(bytes.toString()).toBe('h1AAAAh2XXXX');
  });

  it('fails on a file that shrank or is missing', async () => {
    const copy = join(root, 'shrunk');
    await mkdir(copy);
    await writeFile(join(copy, 'a'), 'AA');
    const short = await drain(replayTarSplit(tarSplitOf([ent('a', 'AAAA', 0)]), [copy]));
    expect(short.error).toMatchObject({ code: 'ERR_TARSPLIT_CHECKSUM' });
    const missing = await drain(replayTarSplit(tarSplitOf([seg('x', 0), ent('nope', 'AAAA', 1)]), [copy]));
    expect(missing.error).toMatchObject({ code: 'ENOENT' });
    expect(missing.bytes.toString()).toBe('x');
  });

  it('never leaves the layer directory (names with .. and absolute names stay inside)', async () => {
    const jail = join(root, 'jail');
    await mkdir(jail);
    await writeFile(join(jail, 'passwd'), 'inside');
    await writeFile(join(root, 'passwd'), 'outside');
    for (const name of ['../passwd', '/passwd', '../../../../passwd']) {
      const out = await collect(replayTarSplit(tarSplitOf([ent(name, 'inside', 0)]), [jail]));
      expect(out.toString()).toBe('inside');
    }
    await rm(join(jail, 'passwd'));
    await writeFile(join(root, 'secret'), 'outside');
    const { error } = await drain(replayTarSplit(tarSplitOf([ent('../secret', 'outside', 0)]), [jail]));
    expect(error).toMatchObject({ code: 'ENOENT' });
  });

  it('refuses duplicate names, the way upstream does', async () => {
    const ts = tarSplitOf([ent('d/f1', '1', 0), ent('./d/f1', '1', 1)]);
    const { error } = await drain(replayTarSplit(ts, [layer]));
    expect(error).toMatchObject({ code: 'ERR_ARCHIVE_DUPLICATE_PATH' });
  });

  it('fails with ERR_TARSPLIT_CORRUPT on bad JSON, bad gzip and unknown record types', async () => {
    for (const ts of [gzipSync('{"type":2,"payload":"YQ==",\n'), Buffer.from('not gzip at all'), gzipSync('{"type":7,"position":0}\n'), gzipSync('{"type":1,"name":"a","size":-1,"payload":null,"position":0}\n')]) {
      const { error } = await drain(replayTarSplit(ts, [layer]));
      expect(error).toMatchObject({ code: 'ERR_TARSPLIT_CORRUPT' });
    }
  });

  it('gives the event loop turns while it works (time slices), even with all input at hand', async () => {
    const many = join(root, 'many');
    await mkdir(many);
    const members = [];
    for (let i = 0; i < 3000; i++) members.push(file(`m${i}`, String(i % 10).repeat(2000 + (i % 97))));
    const t = tar(...members);
    const r = await applyTar(many, chunked(t, 1 << 16), { whiteouts: 'delete', recordTarSplit: true });
    // a setImmediate chain notes when the loop turns; the longest gap is the longest sync run
    let last = performance.now();
    let maxGap = 0;
    let running = true;
    const turn = (): void => {
      const now = performance.now();
      maxGap = Math.max(maxGap, now - last);
      last = now;
      if (running) setImmediate(turn);
    };
    setImmediate(turn);
    const started = performance.now();
    const out = await collect(replayTarSplit(r.tarSplit!, [many]));
    const took = performance.now() - started;
    running = false;
    expect(out.equals(t)).toBe(true);
    // 8 ms slices; a run of the whole replay without a turn would be as long as `took`
    if (took > 60) expect(maxGap).toBeLessThan(took / 2);
  });
});
