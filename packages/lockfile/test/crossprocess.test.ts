import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockFile } from '../src/index.js';
import { hasCommand, Holder, makeTempDir, pythonCanLock, stillPending } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const opened: LockFile[] = [];
const holders: Holder[] = [];

async function openLock(name = 'x.lock'): Promise<LockFile> {
  const lf = await LockFile.open(join(dir, name));
  opened.push(lf);
  return lf;
}

function hold(h: Holder): Holder {
  holders.push(h);
  return h;
}

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  for (const h of holders.splice(0)) h.kill();
  for (const lf of opened.splice(0)) await lf.close().catch(() => {});
  await cleanup();
});

describe('against another node process', () => {
  it('its write lock makes ours wait; ours makes its try fail', async () => {
    const lf = await openLock();
    const other = hold(Holder.node(lf.path, 'w'));
    expect(await other.nextLine()).toBe('locked');
    expect(await lf.tryRLock()).toBe(false);
    const mine = lf.lock();
    expect(await stillPending(mine, 200)).toBe(true);
    await other.release();
    await mine;
    const prober = hold(Holder.node(lf.path, 'r', { tryOnly: true }));
    expect(await prober.nextLine()).toBe('busy');
    await prober.release();
    await lf.unlock();
  });

  it('read locks are shared across processes, write locks are not', async () => {
    const lf = await openLock();
    await lf.rLock();
    const reader = hold(Holder.node(lf.path, 'r', { tryOnly: true }));
    expect(await reader.nextLine()).toBe('got');
    const writer = hold(Holder.node(lf.path, 'w', { tryOnly: true }));
    expect(await writer.nextLine()).toBe('busy');
    await writer.release();
    expect(await lf.tryRLock()).toBe(true); // nested
    await lf.unlock();
    await lf.unlock();
    expect(await stillPending(lf.lock(), 150)).toBe(true); // the other process still reads
    await reader.release();
    await expect.poll(() => lf.locked, { timeout: 2000 }).toBe('w');
  });
});

describe.skipIf(!hasCommand('python3'))('against python3 fcntl.lockf (POSIX locks, as Go takes them)', () => {
  it('python holds LOCK_EX: our tryLock() fails and lock() waits until it lets go', async () => {
    const lf = await openLock();
    const py = hold(Holder.python('ex', [lf.path]));
    expect(await py.nextLine()).toBe('locked');
    expect(await lf.tryLock()).toBe(false);
    const waiting = lf.lock();
    expect(await stillPending(waiting, 300)).toBe(true);
    await py.release();
    await waiting;
    expect(lf.locked).toBe('w');
  });

  it('aborting a wait that is blocked in the kernel returns at once and gives the slot back later', async () => {
    const lf = await openLock();
    const other = await openLock();
    const py = hold(Holder.python('ex', [lf.path]));
    expect(await py.nextLine()).toBe('locked');
    const started = performance.now();
    const err = await lf.lock({ signal: AbortSignal.timeout(150) }).catch((e: unknown) => e);
    expect((err as { code?: string }).code).toBe('ERR_LOCK_ABORTED');
    expect(performance.now() - started).toBeLessThan(1000);
    const readers = [lf.rLock({ signal: AbortSignal.timeout(100) }), other.rLock({ signal: AbortSignal.timeout(100) })];
    for (const r of readers) expect(await r.catch((e: { code?: string }) => e.code)).toBe('ERR_LOCK_ABORTED');
    expect(lf.locked).toBe(null);
    const after = other.lock(); // queued behind the abandoned native waits
    expect(await stillPending(after, 100)).toBe(true);
    await py.release();
    await after;
    expect(await pythonCanLock(lf.path, 'sh')).toBe(false);
    await other.unlock();
    expect(await pythonCanLock(lf.path, 'ex')).toBe(true);
  });

  it('python holds LOCK_SH: we can read-lock but not write-lock', async () => {
    const lf = await openLock();
    const py = hold(Holder.python('sh', [lf.path]));
    expect(await py.nextLine()).toBe('locked');
    expect(await lf.tryLock()).toBe(false);
    expect(await lf.tryRLock()).toBe(true);
    await lf.unlock();
    await py.release();
    expect(await lf.tryLock()).toBe(true);
  });

  it('our write lock blocks python; our read lock lets python share but not write', async () => {
    const lf = await openLock();
    await lf.lock();
    expect(await pythonCanLock(lf.path, 'ex')).toBe(false);
    expect(await pythonCanLock(lf.path, 'sh')).toBe(false);
    await lf.unlock();
    await lf.rLock();
    expect(await pythonCanLock(lf.path, 'sh')).toBe(true);
    expect(await pythonCanLock(lf.path, 'ex')).toBe(false);
    await lf.unlock();
    expect(await pythonCanLock(lf.path, 'ex')).toBe(true);
  });

  it('reading the lock file through another descriptor does not drop our lock (OFD, not POSIX)', async () => {
    const lf = await openLock();
    await lf.lock();
    await lf.touch();
    expect((await readFile(lf.path)).length).toBe(64); // opens and closes a second descriptor
    expect(await pythonCanLock(lf.path, 'ex')).toBe(false);
    await lf.unlock();
  });

  it('16 blocked lock waits do not stall the event loop or the libuv pool', async () => {
    const files = Array.from({ length: 16 }, (_, i) => `w${i}.lock`);
    const locks = await Promise.all(files.map((f) => openLock(f)));
    const sameA = await openLock('w0.lock');
    const sameB = await openLock('w0.lock');
    const py = hold(Holder.python('ex', locks.map((l) => l.path)));
    expect(await py.nextLine()).toBe('locked');
    const waits = [...locks, sameA, sameB].map((l) => l.lock());
    await new Promise((r) => setTimeout(r, 100)); // let all native waits start
    const started = performance.now();
    for (let i = 0; i < 8; i++) await readFile(locks[i]!.path); // each read needs a pool thread
    const elapsed = performance.now() - started;
    console.log(`8 readFile calls while 16 native lock waits (+2 queued in process) are pending: ${elapsed.toFixed(1)} ms`);
    expect(elapsed).toBeLessThan(500);
    expect(await stillPending(Promise.race(waits), 0)).toBe(true);
    await py.release();
    await Promise.all(waits.slice(1, 16));
    // w0: the three objects get it one at a time, in order
    await waits[0];
    expect(await stillPending(waits[16]!, 50)).toBe(true);
    await locks[0]!.unlock();
    await waits[16];
    await sameA.unlock();
    await waits[17];
    await sameB.unlock();
  });
});
