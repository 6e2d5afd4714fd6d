import { mkdtemp, mkdir, rm, stat, writeFile, chmod, unlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { treeChangedSince } from '../src/freshness.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('treeChangedSince', () => {
  let dir: string;
  let marker: string;
  let since: bigint;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cs-layers-fresh-'));
    await mkdir(path.join(dir, 'tree/sub'), { recursive: true });
    await writeFile(path.join(dir, 'tree/sub/file'), 'hello');
    await writeFile(path.join(dir, 'tree/empty'), '');
    await writeFile(Buffer.concat([Buffer.from(path.join(dir, 'tree/caf')), Buffer.from([0xe9])]), 'raw name');
    await sleep(20);
    // The "tar-split" is written after the contents: its mtime dates them.
    marker = path.join(dir, 'marker');
    await writeFile(marker, 'x');
    since = (await stat(marker, { bigint: true })).mtimeNs;
    await sleep(20);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('reports an untouched tree as unchanged', async () => {
    expect(await treeChangedSince(path.join(dir, 'tree'), since)).toBe(false);
  });

  it.each([
    ['a content change', (t: string) => writeFile(path.join(t, 'sub/file'), 'HELLO')],
    ['a chmod only', (t: string) => chmod(path.join(t, 'empty'), 0o600)],
    ['an added empty file', (t: string) => writeFile(path.join(t, 'sub/new'), '')],
    ['a deleted empty file', (t: string) => unlink(path.join(t, 'empty'))],
    ['a change to a file with a non-UTF-8 name', (t: string) => chmod(Buffer.concat([Buffer.from(path.join(t, 'caf')), Buffer.from([0xe9])]), 0o600)],
  ])('notices %s', async (_what, change) => {
    await change(path.join(dir, 'tree'));
    expect(await treeChangedSince(path.join(dir, 'tree'), since)).toBe(true);
  });

  it('fails for a missing directory instead of calling it unchanged', async () => {
    await expect(treeChangedSince(path.join(dir, 'nope'), since)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
