import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ChangeKind } from '@cs/archive';
import { lutimens } from '@cs/sys';
import { NaiveDiff, type NaiveDiffHost } from '../src/index.js';

/** The simplest real driver: a layer is a directory, "mounting" records who asked. */
class DirectoryHost implements NaiveDiffHost {
  readonly gets: string[] = [];
  readonly puts: string[] = [];
  readonly mounted = new Set<string>();
  constructor(private readonly root: string) {}
  async get(id: string) {
    this.gets.push(id);
    this.mounted.add(id);
    return path.join(this.root, id);
  }
  async put(id: string) {
    this.puts.push(id);
    this.mounted.delete(id);
  }
  async isMounted(id: string) {
    return this.mounted.has(id);
  }
}

async function tarEntries(stream: Readable): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  const tar = Buffer.concat(chunks);
  const names: string[] = [];
  for (let off = 0; off + 512 <= tar.length; off += 512) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    names.push(header.subarray(0, 100).toString('utf8').replace(/\0.*$/s, ''));
    const size = parseInt(header.subarray(124, 136).toString('ascii').replace(/\0.*$/s, '').trim() || '0', 8);
    off += Math.ceil(size / 512) * 512;
  }
  return names;
}

describe('NaiveDiff', () => {
  let root: string;
  let host: DirectoryHost;
  let naive: NaiveDiff;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'cs-naive-'));
    host = new DirectoryHost(root);
    naive = new NaiveDiff(host);
    await mkdir(path.join(root, 'base', 'etc'), { recursive: true });
    await writeFile(path.join(root, 'base', 'etc', 'gone'), 'x');
    await writeFile(path.join(root, 'base', 'keep'), 'same');
    await mkdir(path.join(root, 'top', 'etc'), { recursive: true });
    await writeFile(path.join(root, 'top', 'keep'), 'same');
    await writeFile(path.join(root, 'top', 'etc', 'new'), 'new file');
    // same nanosecond times as the base, so that only real changes show
    for (const rel of ['keep', 'etc']) {
      const st = await stat(path.join(root, 'base', rel), { bigint: true });
      await lutimens(path.join(root, 'top', rel), st.atimeNs, st.mtimeNs);
    }
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('compares full trees and releases both layers', async () => {
    const changes = await naive.changes('top', 'base');
    const byPath = Object.fromEntries(changes.map((c) => [c.path, c.kind]));
    expect(byPath['/etc/new']).toBe(ChangeKind.Add);
    expect(byPath['/etc/gone']).toBe(ChangeKind.Delete);
    expect(byPath['/keep']).toBeUndefined();
    expect(host.puts.sort()).toEqual(['base', 'top']);
    expect(await naive.diffSize('top', 'base')).toBe('new file'.length);
  });

  it('writes whiteouts for deletions and keeps the layer until the stream ends', async () => {
    const stream = await naive.diff('top', 'base');
    expect(host.mounted.has('top')).toBe(true);
    const names = await tarEntries(stream);
    expect(names).toContain('etc/.wh.gone');
    expect(names).toContain('etc/new');
    await new Promise((r) => setImmediate(r));
    expect(host.mounted.has('top')).toBe(false);
  });

  it('writes the whole tree for a parentless layer', async () => {
    expect(await tarEntries(await naive.diff('base', null))).toEqual(['etc/', 'etc/gone', 'keep']);
  });

  it('does not unmount a layer that was mounted before', async () => {
    host.mounted.add('top');
    await naive.changes('top', null);
    expect(host.puts).toEqual([]);
  });

  it('applies with whiteouts as deletions (Algorithm A) and releases on a bad tar', async () => {
    const tar = Buffer.alloc(1536);
    const header = tar.subarray(0, 512);
    header.write('etc/.wh.gone', 0);
    header.write('0000644\0', 100);
    header.write('0000000\0', 108);
    header.write('0000000\0', 116);
    header.write('00000000000\0', 124);
    header.write('00000000000\0', 136);
    header.write('0', 156);
    header.write('ustar\0', 257);
    header.write('00', 263);
    header.fill(0x20, 148, 156);
    let sum = 0;
    for (const b of header) sum += b;
    header.write(sum.toString(8).padStart(6, '0') + '\0 ', 148);
    await naive.applyDiff('base', null, Readable.from([tar]));
    await expect(readFile(path.join(root, 'base', 'etc', 'gone'))).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(naive.applyDiff('base', null, Readable.from([Buffer.from('not a tar at all')]))).rejects.toThrow();
    expect(host.mounted.size).toBe(0);
  });
});
