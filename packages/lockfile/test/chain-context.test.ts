import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { chainValue, runInChain } from '../src/index.js';

describe('chain context (what an async call chain holds)', () => {
  it('follows awaits, then-callbacks and Promise.all inside the chain', async () => {
    const key = {};
    const seen: unknown[] = [];
    await runInChain(key, 'w', async () => {
      seen.push(chainValue(key));
      await sleep(1);
      seen.push(chainValue(key));
      await Promise.resolve().then(() => seen.push(chainValue(key)));
      await Promise.all([1, 2].map(async () => {
        await sleep(1);
        seen.push(chainValue(key));
      }));
    });
    expect(seen).toEqual(['w', 'w', 'w', 'w', 'w']);
    expect(chainValue(key)).toBeUndefined();
  });

  it('keeps concurrent chains apart and nests values per key', async () => {
    const a = {};
    const b = {};
    const log: string[] = [];
    const chain = (name: string, mode: string) =>
      runInChain(a, mode, async () => {
        await sleep(2);
        log.push(`${name}:${String(chainValue(a))}:${String(chainValue(b))}`);
        await runInChain(b, 'r', async () => {
          await sleep(1);
          log.push(`${name}-inner:${String(chainValue(a))}:${String(chainValue(b))}`);
        });
        log.push(`${name}-after:${String(chainValue(b))}`);
      });
    const outside = (async () => {
      await sleep(3);
      log.push(`outside:${String(chainValue(a))}`);
    })();
    await Promise.all([chain('one', 'r'), chain('two', 'w'), outside]);
    expect(log.sort()).toEqual(
      ['one:r:undefined', 'one-inner:r:r', 'one-after:undefined', 'two:w:undefined', 'two-inner:w:r', 'two-after:undefined', 'outside:undefined'].sort(),
    );
  });

  it('restores the outer value when the function throws or returns synchronously', () => {
    const key = {};
    expect(() => runInChain(key, 'w', () => {
      throw new Error('boom');
    })).toThrow('boom');
    expect(chainValue(key)).toBeUndefined();
    expect(runInChain(key, 'r', () => chainValue(key))).toBe('r');
    expect(chainValue(key)).toBeUndefined();
  });

  it('a rejected chain still sees its value in its catch handlers', async () => {
    const key = {};
    const got = await runInChain(key, 'w', async () => {
      try {
        await Promise.reject(new Error('no'));
      } catch {
        return chainValue(key);
      }
      return undefined;
    });
    expect(got).toBe('w');
  });
});
