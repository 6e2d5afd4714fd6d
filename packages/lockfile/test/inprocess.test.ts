import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LockFile, LockFileError } from '../src/index.js';
import { makeTempDir, stillPending } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const opened: LockFile[] = [];

async function openLock(name = 'a.lock', opts?: { readOnly?: boolean }): Promise<LockFile> {
  const lf = await LockFile.open(join(dir, name), opts);
  opened.push(lf);
  return lf;
}

async function codeOf(p: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return undefined;
}

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  for (const lf of opened.splice(0)) await lf.close().catch(() => {});
  await cleanup();
});

describe('in-process exclusion between LockFile objects on one path', () => {
  it('a second writer waits until the first unlocks', async () => {
    const a = await openLock();
    const b = await openLock();
    await a.lock();
    const bLocked = b.lock();
    expect(await stillPending(bLocked, 150)).toBe(true);
    expect(await b.tryLock()).toBe(false);
    await a.unlock();
    await bLocked;
    expect(b.locked).toBe('w');
    expect(await a.tryRLock()).toBe(false);
    await b.unlock();
    expect(await a.tryRLock()).toBe(true);
  });

  it('readers share; a writer waits for all of them', async () => {
    const [r1, r2, w] = await Promise.all([openLock(), openLock(), openLock()]);
    await r1.rLock();
    await r2.rLock();
    expect(await r2.tryRLock()).toBe(true); // nested
    const wLocked = w.lock();
    expect(await stillPending(wLocked, 100)).toBe(true);
    await r1.unlock();
    await r2.unlock();
    expect(await stillPending(wLocked, 50)).toBe(true); // r2 still holds one nested level
    await r2.unlock();
    await wLocked;
    expect(w.locked).toBe('w');
  });

  it('a waiting writer is not starved by a stream of readers', async () => {
    const first = await openLock();
    const writer = await openLock();
    await first.rLock();
    const order: string[] = [];
    const wDone = writer.lock().then(() => order.push('writer'));
    // Readers arriving after the writer queue behind it, even though a reader holds the lock.
    const late = await Promise.all(Array.from({ length: 5 }, () => openLock()));
    const lateDone = late.map((r, i) => r.rLock().then(() => order.push(`reader${i}`)));
    expect(await late[0]!.tryRLock()).toBe(false);
    expect(await stillPending(wDone, 100)).toBe(true);
    expect(order).toEqual([]);
    await first.unlock();
    await wDone;
    expect(await stillPending(Promise.all(lateDone), 50)).toBe(true);
    await writer.unlock();
    await Promise.all(lateDone);
    expect(order[0]).toBe('writer');
    expect(order.slice(1).sort()).toEqual(['reader0', 'reader1', 'reader2', 'reader3', 'reader4']);
  });

  it('grants waiters in arrival order (writer, readers, writer)', async () => {
    const [h, w1, r1, r2, w2] = await Promise.all([openLock(), openLock(), openLock(), openLock(), openLock()]);
    await h.lock();
    const order: string[] = [];
    const log = (name: string, lf: LockFile) => async () => {
      order.push(name);
      await new Promise((r) => setTimeout(r, 20));
      await lf.unlock();
    };
    const all = [
      w1.lock().then(log('w1', w1)),
      r1.rLock().then(log('r1', r1)),
      r2.rLock().then(log('r2', r2)),
      w2.lock().then(log('w2', w2)),
    ];
    await h.unlock();
    await Promise.all(all);
    expect(order[0]).toBe('w1');
    expect(order.slice(1, 3).sort()).toEqual(['r1', 'r2']);
    expect(order[3]).toBe('w2');
  });

  it('withLock runs exclusively and releases on failure', async () => {
    const a = await openLock();
    const b = await openLock();
    let inside = 0;
    let maxInside = 0;
    const work = async () => {
      inside++;
      maxInside = Math.max(maxInside, inside);
      await new Promise((r) => setTimeout(r, 5));
      inside--;
    };
    await Promise.all([a, b, a, b].map((lf, i) => (i < 2 ? lf.withLock(work) : lf.withRLock(async () => {}))));
    expect(maxInside).toBe(1);
    await expect(a.withLock(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(a.locked).toBe(null);
    expect(await b.tryLock()).toBe(true);
  });

  it('an abort signal stops the wait and leaves the lock usable', async () => {
    const a = await openLock();
    const b = await openLock();
    await a.lock();
    const ac = new AbortController();
    const waiting = b.lock({ signal: ac.signal });
    setTimeout(() => ac.abort(new Error('enough')), 50);
    const err = await waiting.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockFileError);
    expect((err as LockFileError).code).toBe('ERR_LOCK_ABORTED');
    expect(b.locked).toBe(null);
    expect(await codeOf(b.rLock({ signal: AbortSignal.abort() }))).toBe('ERR_LOCK_ABORTED');
    expect(await codeOf(b.rLock({ signal: AbortSignal.timeout(30) }))).toBe('ERR_LOCK_ABORTED');
    await a.unlock();
    await b.lock();
    await b.unlock();
  });

  it('a read-only object shares the path with a writable one (descriptor upgraded when idle)', async () => {
    const ro = await openLock('up.lock', { readOnly: true });
    await ro.rLock();
    const rw = await openLock('up.lock');
    const wLocked = rw.lock();
    expect(await stillPending(wLocked, 80)).toBe(true);
    await ro.unlock();
    await wLocked;
    await rw.touch(); // would fail with EBADF on the read-only descriptor
    await rw.unlock();
    expect((await stat(join(dir, 'up.lock'))).size).toBe(64);
    await ro.rLock();
    expect(await ro.modified()).toBe(true);
    await ro.unlock();
  });

  it('close releases what the object holds and a closed object refuses to work', async () => {
    const a = await openLock();
    const b = await openLock();
    await a.rLock();
    await a.rLock();
    await a.close();
    expect(await b.tryLock()).toBe(true);
    expect(await codeOf(a.lock())).toBe('ERR_LOCK_CLOSED');
    await a.close(); // idempotent
  });

  it('closing an object while its lock() waits hands the lock on instead of leaking it', async () => {
    const a = await openLock();
    const b = await LockFile.open(join(dir, 'a.lock'));
    const c = await openLock();
    await a.lock();
    const bWaits = b.lock();
    const cWaits = c.lock();
    await b.close();
    await a.unlock();
    expect(await codeOf(bWaits)).toBe('ERR_LOCK_CLOSED');
    await cWaits;
    expect(c.locked).toBe('w');
  });

  it('reopening after every object closed works (descriptor closed and reopened)', async () => {
    const a = await LockFile.open(join(dir, 'c.lock'));
    await a.lock();
    await a.touch();
    await a.close();
    const b = await openLock('c.lock');
    await b.lock();
    expect(await b.modified()).toBe(true);
    expect(await b.modified()).toBe(false);
    await b.unlock();
  });
});

describe('typed errors for bad input and misuse', () => {
  it('a lock path in a missing folder', async () => {
    const err = await LockFile.open(join(dir, 'missing', 'layers.lock')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LockFileError);
    expect((err as LockFileError).code).toBe('ERR_LOCK_DIR_MISSING');
    expect((err as LockFileError).path).toBe(join(dir, 'missing', 'layers.lock'));
    expect(await codeOf(LockFile.open(join(dir, 'missing', 'x.lock'), { readOnly: true }))).toBe('ERR_LOCK_DIR_MISSING');
  });

  it('a lock path under a regular file', async () => {
    await writeFile(join(dir, 'file'), 'x');
    expect(await codeOf(LockFile.open(join(dir, 'file', 'x.lock')))).toBe('ERR_LOCK_DIR_MISSING');
  });

  it('a path that is a directory keeps the fs error code', async () => {
    expect(await codeOf(LockFile.open(dir))).toBe('EISDIR');
  });

  it('invalid paths', async () => {
    expect(await codeOf(LockFile.open(''))).toBe('ERR_LOCK_INVALID_PATH');
    expect(await codeOf(LockFile.open(undefined as never))).toBe('ERR_LOCK_INVALID_PATH');
    expect(await codeOf(LockFile.open('a\0b'))).toBe('ERR_LOCK_INVALID_PATH');
  });

  it('misuse of lock states', async () => {
    const a = await openLock();
    expect(await codeOf(a.unlock())).toBe('ERR_NOT_LOCKED');
    expect(await codeOf(a.modified())).toBe('ERR_NOT_LOCKED');
    expect(await codeOf(a.touch())).toBe('ERR_NOT_WRITE_LOCKED');
    await a.rLock();
    expect(await codeOf(a.touch())).toBe('ERR_NOT_WRITE_LOCKED');
    expect(await codeOf(a.lock())).toBe('ERR_LOCK_HELD');
    await a.unlock();
    await a.lock();
    expect(await codeOf(a.lock())).toBe('ERR_LOCK_HELD');
    expect(await codeOf(a.rLock())).toBe('ERR_LOCK_HELD');
    expect(await codeOf(a.tryRLock())).toBe('ERR_LOCK_HELD');
    await a.unlock();
    expect(a.locked).toBe(null);
  });

  it('a read-only lock file allows read locks only', async () => {
    await writeFile(join(dir, 'ro.lock'), Buffer.alloc(64, 7));
    const ro = await openLock('ro.lock', { readOnly: true });
    expect(await codeOf(ro.lock())).toBe('ERR_LOCK_READ_ONLY');
    expect(await codeOf(ro.tryLock())).toBe('ERR_LOCK_READ_ONLY');
    await ro.rLock();
    expect(await codeOf(ro.touch())).toBe('ERR_LOCK_READ_ONLY');
    expect(await ro.getLastWrite()).toEqual(Buffer.alloc(64, 7));
    await ro.unlock();
    expect(await readFile(join(dir, 'ro.lock'))).toEqual(Buffer.alloc(64, 7));
  });
});
