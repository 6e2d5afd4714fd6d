/** Failure paths and stream behaviour of the output side (no root needed). */
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChangeKind, changesBetween, changesFromOverlayUpper, compressStream, diffSizeFromChanges, exportChanges,
  exportTree, formatChange, ProduceError,
} from '../../src/out/index.js';
import { collect, hasBinary, parseTar, removeTree, run, tempDir } from './helpers.js';

describe('output side: bad input and stream behaviour', () => {
  let root: string;

  beforeAll(async () => {
    root = await tempDir('cs-bad-');
    await run('sh', ['-c', 'mkdir -p t/d && echo hi > t/d/f && head -c 5000000 /dev/urandom > t/big && echo file > notdir'], { cwd: root });
  });
  afterAll(async () => {
    await removeTree(root);
  });

  it('rejects change paths that are not absolute and clean, before producing anything', () => {
    for (const path of ['d/f', '/', '/d/', '/d/../f', '/d//f', '/./d']) {
      expect(() => exportChanges(join(root, 't'), [{ path, kind: ChangeKind.Add }])).toThrow(ProduceError);
    }
    try {
      exportChanges(join(root, 't'), [{ path: 'x', kind: ChangeKind.Add }]);
    } catch (err) {
      expect((err as ProduceError).code).toBe('ERR_PRODUCE_INVALID_CHANGE');
    }
  });

  it('fails with ERR_PRODUCE_NOT_A_DIRECTORY for a missing or non-directory tree', async () => {
    await expect(collect(exportTree(join(root, 'missing')))).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
    await expect(collect(exportTree(join(root, 'notdir')))).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
    await expect(changesBetween(join(root, 'notdir'), null)).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
    await expect(changesBetween(join(root, 't'), join(root, 'missing'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(changesFromOverlayUpper(join(root, 'missing'), [])).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
  });

  it('skips changed paths that vanished, reporting them, and still ends the archive', async () => {
    const skipped: string[] = [];
    const changes = [
      { path: '/d', kind: ChangeKind.Modify },
      { path: '/d/gone', kind: ChangeKind.Add },
      { path: '/d/f', kind: ChangeKind.Modify },
      { path: '/old', kind: ChangeKind.Delete },
    ];
    const tar = await parseTar(await collect(exportChanges(join(root, 't'), changes, { onSkip: (p) => skipped.push(p) })));
    expect(tar.map((m) => m.name)).toEqual(['d/', 'd/f', '.wh.old']);
    expect(skipped).toEqual(['d/gone']);
    expect(await diffSizeFromChanges(join(root, 't'), changes)).toBe(3);
  });

  it('pads a file that turns out shorter than its lstat size with zeros (sysfs: 4096 claimed)', async () => {
    const dir = '/sys/kernel/mm/transparent_hugepage';
    if (!existsSync(`${dir}/enabled`)) {
      console.warn('short-file test skipped: no sysfs transparent_hugepage/enabled');
      return;
    }
    const text = await readFile(`${dir}/enabled`);
    const tar = await parseTar(await collect(exportChanges(dir, [{ path: '/enabled', kind: ChangeKind.Add }])));
    expect(tar.map((m) => [m.name, m.size])).toEqual([['enabled', 4096]]);
    expect(tar[0]!.data.subarray(0, text.length).equals(text)).toBe(true);
    expect(tar[0]!.data.subarray(text.length).equals(Buffer.alloc(4096 - text.length))).toBe(true);
  });

  it('lists a parentless tree as additions in walk-compatible order', async () => {
    const changes = await changesBetween(join(root, 't'), null);
    expect(changes.map(formatChange)).toEqual(['A /big', 'A /d', 'A /d/f']);
  });

  it('stops cleanly when the consumer destroys the stream in the middle of a big file', async () => {
    const stream = exportTree(join(root, 't'));
    const first = await new Promise<Buffer>((resolve) => stream.once('data', resolve));
    expect(first.length).toBeGreaterThan(0);
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    expect(stream.destroyed).toBe(true);
  });

  it('compresses with gzip and zstd, and refuses bzip2 and xz like upstream', async () => {
    const tar = await collect(exportTree(join(root, 't')));
    const gz = await collect(compressStream(exportTree(join(root, 't')), 'gzip'));
    expect(gunzipSync(gz).equals(tar)).toBe(true);
    expect(compressStream(Readable.from([tar]), 'none')).toBeInstanceOf(Readable);
    expect(() => compressStream(Readable.from([tar]), 'bzip2')).toThrowError('unsupported compression format tar.bz2');
    expect(() => compressStream(Readable.from([tar]), 'xz')).toThrowError(/tar\.xz/);
    if (await hasBinary('zstd')) {
      const zst = await collect(compressStream(Readable.from([tar]), 'zstd'));
      expect(zst.subarray(0, 4).equals(Buffer.from([0x28, 0xb5, 0x2f, 0xfd]))).toBe(true);
      const file = join(root, 'x.zst');
      await writeFile(file, zst);
      const { stdout } = await run('zstd', ['-d', '-c', file], { encoding: 'buffer', maxBuffer: 64 << 20 });
      expect(stdout.equals(tar)).toBe(true);
    } else {
      console.warn('zstd round trip skipped: the zstd tool is not installed');
    }
  });
});
