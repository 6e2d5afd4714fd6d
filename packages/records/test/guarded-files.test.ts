import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeToken } from '@cs/lockfile';
import { GuardedFiles } from '../src/guarded-files.js';
import { atomicWriteFile } from '../src/atomic-write.js';

let dir: string;
const opened: GuardedFiles[] = [];
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-guarded-'));
});
afterEach(async () => {
  for (const g of opened.splice(0)) await g.close();
  await fs.rm(dir, { recursive: true, force: true });
});

/** A tiny store: one JSON file holding a number, guarded by a lock file. */
async function openCounter(opts: { readOnly?: boolean; watch?: boolean } = {}) {
  const file = path.join(dir, 'data.json');
  const state = { value: 0, loads: 0 };
  const guard = await GuardedFiles.open({
    lockPath: path.join(dir, 'data.lock'),
    readOnly: opts.readOnly,
    watchMtimeOf: opts.watch ? [file] : undefined,
    load: async () => {
      state.loads++;
      state.value = Number(await fs.readFile(file, 'utf8').catch(() => '0'));
    },
  });
  opened.push(guard);
  const save = (v: number) =>
    guard.write('save', async () => {
      await guard.commit(async () => {
        await atomicWriteFile(file, String(v));
        return [file];
      });
      state.value = v;
    });
  return { guard, state, save, file };
}

describe('GuardedFiles', () => {
  it('loads once, then reloads only when another writer moved the token', async () => {
    const a = await openCounter();
    const b = await openCounter();
    expect(await a.guard.read(() => a.state.value)).toBe(0);
    expect(await a.guard.read(() => a.state.value)).toBe(0);
    expect(a.state.loads).toBe(1);
    await b.save(5);
    expect(await a.guard.read(() => a.state.value)).toBe(5);
    expect(a.state.loads).toBe(2);
    // our own save does not make us reload
    const loadsOfB = b.state.loads;
    await b.guard.read(() => undefined);
    expect(b.state.loads).toBe(loadsOfB);
  });

  it('writes a 64-byte Go-format token carrying our pid before the data file', async () => {
    const a = await openCounter();
    await a.save(1);
    const token = await fs.readFile(path.join(dir, 'data.lock'));
    expect(token.length).toBe(64);
    expect(describeToken(token)?.pid).toBe(process.pid);
  });

  it('reloads when a watched file changed without a token (layers.json rule)', async () => {
    const a = await openCounter({ watch: true });
    await a.guard.read(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
    await atomicWriteFile(a.file, '9');
    expect(await a.guard.read(() => a.state.value)).toBe(9);
    const unwatched = await openCounter();
    await unwatched.guard.read(() => undefined);
    await atomicWriteFile(a.file, '10');
    expect(await unwatched.guard.read(() => unwatched.state.value)).toBe(9);
  });

  it('refuses writes through a read-only store and keeps reads working', async () => {
    const w = await openCounter();
    await w.save(3);
    const ro = await openCounter({ readOnly: true });
    await expect(ro.save(4)).rejects.toMatchObject({ code: 'ERR_READ_ONLY_STORE' });
    expect(await ro.guard.read(() => ro.state.value)).toBe(3);
  });

  it('forgets its copy when an operation fails, and refuses commit outside write', async () => {
    const a = await openCounter();
    await a.guard.read(() => undefined);
    await expect(
      a.guard.write('boom', () => {
        a.state.value = 99; // half-applied in memory
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await a.guard.read(() => a.state.value)).toBe(0);
    await expect(a.guard.commit(async () => [])).rejects.toMatchObject({ code: 'ERR_NOT_WRITE_LOCKED' });
  });

  it('serializes concurrent readers and writers of one object', async () => {
    const a = await openCounter();
    const ops: Promise<unknown>[] = [];
    for (let i = 1; i <= 20; i++) {
      ops.push(i % 3 === 0 ? a.save(i) : a.guard.read(() => a.state.value));
    }
    await Promise.all(ops);
    expect(await a.guard.read(() => a.state.value)).toBe(18);
  });

  it('excludes another lock holder while writing', async () => {
    const a = await openCounter();
    const b = await openCounter();
    const events: string[] = [];
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    const writing = a.guard.write('slow', async () => {
      events.push('a start');
      await held;
      events.push('a end');
    });
    await new Promise((r) => setTimeout(r, 20));
    const reading = b.guard.read(() => events.push('b read'));
    await new Promise((r) => setTimeout(r, 50));
    release();
    await Promise.all([writing, reading]);
    expect(events).toEqual(['a start', 'a end', 'b read']);
  });

  it('lets a call chain nest read and write on the object it holds, and refuses an upgrade', async () => {
    const a = await openCounter();
    await a.save(1);
    const seen = await a.guard.write('outer', async () => {
      const inner = await a.guard.read(() => a.state.value); // no deadlock
      await a.save(inner + 1); // nested write under the same lock
      return a.guard.read(() => a.state.value);
    });
    expect(seen).toBe(2);
    await expect(a.guard.read(() => a.save(3))).rejects.toMatchObject({ code: 'ERR_LOCK_UPGRADE' });
    expect(await a.guard.read(() => a.state.value)).toBe(2);
    // another object on the same lock file is still excluded while we hold it
    const b = await openCounter();
    const order: string[] = [];
    let other!: Promise<unknown>;
    await a.guard.write('hold', async () => {
      other = b.guard.read(() => order.push('b')); // started inside our chain, but another object
      await new Promise((r) => setTimeout(r, 30));
      order.push('a');
    });
    await other;
    expect(order).toEqual(['a', 'b']);
  });
});
