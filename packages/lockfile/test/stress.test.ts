import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockFile } from '../src/index.js';
import { hasCommand, makeTempDir, pythonCanLock } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  await cleanup();
});

/** Deterministic pseudo-random numbers, so a failure can be replayed. */
function rng(seed: number): () => number {
  return () => {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    return seed / 0x7fffffff;
  };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('many objects, random operations', () => {
  it('never lets a writer overlap anyone, and leaves the file unlocked', async () => {
    const path = join(dir, 'stress.lock');
    const objects = await Promise.all(Array.from({ length: 8 }, () => LockFile.open(path)));
    let writers = 0;
    let readers = 0;
    let maxReaders = 0;
    const violations: string[] = [];
    const check = () => {
      if (writers > 1 || (writers === 1 && readers > 0)) violations.push(`writers=${writers} readers=${readers}`);
      maxReaders = Math.max(maxReaders, readers);
    };
    const counts = { write: 0, read: 0, aborted: 0, tryFailed: 0 };

    await Promise.all(
      objects.map(async (lf, n) => {
        const rand = rng(n + 1);
        for (let i = 0; i < 40; i++) {
          const op = rand();
          const signal = rand() < 0.15 ? AbortSignal.timeout(1 + Math.floor(rand() * 3)) : undefined;
          try {
            if (op < 0.3) {
              const got = op < 0.08 ? await lf.tryLock() : (await lf.lock({ signal }), true);
              if (!got) {
                counts.tryFailed++;
                continue;
              }
              writers++;
              check();
              counts.write++;
              if (rand() < 0.5) await lf.touch();
              await sleep(rand() * 2);
              writers--;
              await lf.unlock();
            } else {
              const got = op < 0.4 ? await lf.tryRLock() : (await lf.rLock({ signal }), true);
              if (!got) {
                counts.tryFailed++;
                continue;
              }
              readers++;
              check();
              counts.read++;
              const nested = rand() < 0.3;
              if (nested) await lf.rLock(); // never queues
              await lf.modified();
              await sleep(rand() * 2);
              if (nested) await lf.unlock();
              readers--;
              await lf.unlock();
            }
          } catch (err) {
            if ((err as { code?: string }).code !== 'ERR_LOCK_ABORTED') throw err;
            counts.aborted++;
          }
        }
      }),
    );
    console.log(`stress: ${JSON.stringify(counts)}, max concurrent readers ${maxReaders}`);
    expect(violations).toEqual([]);
    expect(counts.write).toBeGreaterThan(20);
    expect(counts.read).toBeGreaterThan(50);
    expect(maxReaders).toBeGreaterThan(1); // readers really did share
    for (const lf of objects) expect(lf.locked).toBe(null);
    // Everything released (slots of aborted kernel waits come back as those waits end): another
    // object gets the write lock, and then python can lock the file too.
    await objects[0]!.lock({ signal: AbortSignal.timeout(3000) });
    await objects[0]!.unlock();
    if (hasCommand('python3')) expect(await pythonCanLock(path, 'ex')).toBe(true);
    await Promise.all(objects.map((lf) => lf.close()));
  });
});
