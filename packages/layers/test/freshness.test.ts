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

  // 'scan': no reference, the JavaScript scan; 'find': the tar-split stand-in as reference (GNU
  // find); 'fallback': a reference find cannot stat, so find fails and the scan decides.
  const modes = ['scan', 'find', 'fallback'] as const;
  const ref = (mode: (typeof modes)[number]): string | undefined =>
    mode === 'scan' ? undefined : mode === 'find' ? marker : path.join(dir, 'missing-reference');

  it.each(modes)('reports an untouched tree as unchanged (%s)', async (mode) => {
    expect(await treeChangedSince(path.join(dir, 'tree'), since, ref(mode))).toBe(false);
  });

  const changes = [
    ['a content change', (t: string) => writeFile(path.join(t, 'sub/file'), 'HELLO')],
    ['a chmod only', (t: string) => chmod(path.join(t, 'empty'), 0o600)],
    ['an added empty file', (t: string) => writeFile(path.join(t, 'sub/new'), '')],
    ['a deleted empty file', (t: string) => unlink(path.join(t, 'empty'))],
    ['a change to a file with a non-UTF-8 name', (t: string) => chmod(Buffer.concat([Buffer.from(path.join(t, 'caf')), Buffer.from([0xe9])]), 0o600)],
  ] as const;
  it.each(modes.flatMap((mode) => changes.map(([what, change]) => [what, mode, change] as const)))('notices %s (%s)', async (_what, mode, change) => {
    await change(path.join(dir, 'tree'));
    expect(await treeChangedSince(path.join(dir, 'tree'), since, ref(mode))).toBe(true);
  });

  it('fails for a missing directory instead of calling it unchanged', async () => {
    await expect(treeChangedSince(path.join(dir, 'nope'), since)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(treeChangedSince(path.join(dir, 'nope'), since, marker)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('scans a tree larger than one time slice, giving timers their turns', async () => {
    const big = path.join(dir, 'tree/big');
    await mkdir(big);
    for (let i = 0; i < 40; i++) {
      await mkdir(path.join(big, `d${i}`));
      await Promise.all(Array.from({ length: 150 }, (_, j) => writeFile(path.join(big, `d${i}`, `f${j}`), '')));
    }
    await sleep(20);
    await writeFile(path.join(dir, 'marker2'), 'x'); // a second "tar-split", written after the tree
    const later = (await stat(path.join(dir, 'marker2'), { bigint: true })).mtimeNs;
    let ticks = 0;
    const timer = setInterval(() => ticks++, 1);
    const started = performance.now();
    try {
      expect(await treeChangedSince(path.join(dir, 'tree'), later)).toBe(false);
    } finally {
      clearInterval(timer);
    }
    if (performance.now() - started > 30) expect(ticks).toBeGreaterThan(0);
    await chmod(path.join(big, 'd20/f7'), 0o600);
    expect(await treeChangedSince(path.join(dir, 'tree'), later)).toBe(true);
  });
});
