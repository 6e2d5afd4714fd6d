/** In-process production and tree comparison use sync calls in time slices: timers still run. */
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesBetween, exportChanges, exportOverlayUpper, exportTree } from '../../src/out/index.js';
import { collect, removeTree, tempDir } from './helpers.js';

/** Runs `work` while a 1 ms interval counts how often the event loop got a turn. */
async function ticksDuring<T>(work: () => Promise<T>): Promise<{ ticks: number; ms: number; result: T }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 1);
  const start = performance.now();
  try {
    const result = await work();
    return { ticks, ms: performance.now() - start, result };
  } finally {
    clearInterval(timer);
  }
}

describe('time-sliced in-process producer and scan', () => {
  let root: string;
  const FILES = 4000;

  beforeAll(async () => {
    root = await tempDir('cs-slices-');
    for (const side of ['new', 'old']) {
      for (let d = 0; d < 40; d++) {
        const dir = join(root, side, `d${d}`);
        await mkdir(dir, { recursive: true });
        await Promise.all(
          Array.from({ length: FILES / 40 }, async (_, i) => {
            const f = join(dir, `f${i}`);
            await writeFile(f, side === 'new' && i % 7 === 0 ? 'changed!' : 'same');
            await utimes(f, 1600000000, 1600000000); // same times on both sides: only the size differs
          }),
        );
        await utimes(dir, 1600000000, 1600000000);
      }
    }
  });
  afterAll(async () => {
    await removeTree(root);
  });

  it('exportTree and exportOverlayUpper let timers run and still produce every member', async () => {
    for (const make of [() => exportTree(join(root, 'new'), { worker: false }), () => exportOverlayUpper(join(root, 'new'), [join(root, 'old')], { worker: false })]) {
      const { ticks, ms, result } = await ticksDuring(() => collect(make()));
      // 40 dirs + 4000 files: a 512-byte header each, 512 bytes of data each, 1 KiB end marker
      expect(result.length).toBeGreaterThanOrEqual((40 + FILES) * 512 + FILES * 512 + 1024);
      if (ms > 40) expect(ticks).toBeGreaterThan(1);
    }
  });

  it('changesBetween lets timers run and finds exactly the changed files', async () => {
    const { ticks, ms, result } = await ticksDuring(() => changesBetween(join(root, 'new'), join(root, 'old'), { worker: false }));
    const modified = result.filter((c) => c.path.includes('/f'));
    expect(modified.length).toBe(40 * Math.ceil(FILES / 40 / 7));
    if (ms > 40) expect(ticks).toBeGreaterThan(1);
    const tar = await collect(exportChanges(join(root, 'new'), result, { worker: false }));
    expect(tar.length).toBeGreaterThan(modified.length * 1024);
  });
});
