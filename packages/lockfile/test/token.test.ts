import { readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeToken, LockFile, TOKEN_SIZE } from '../src/index.js';
import { makeTempDir } from './helpers.js';

let dir: string;
let cleanup: () => Promise<void>;
const opened: LockFile[] = [];

async function openLock(name = 't.lock'): Promise<LockFile> {
  const lf = await LockFile.open(join(dir, name));
  opened.push(lf);
  return lf;
}

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  for (const lf of opened.splice(0)) await lf.close().catch(() => {});
  await cleanup();
});

describe('the last-write token', () => {
  it('open creates an empty 0644 file and never truncates an existing one', async () => {
    await openLock('new.lock');
    const st = await stat(join(dir, 'new.lock'));
    expect(st.size).toBe(0);
    expect(st.mode & 0o777).toBe(0o644 & ~process.umask());
    const content = Buffer.alloc(100, 0xab);
    await writeFile(join(dir, 'old.lock'), content);
    const lf = await openLock('old.lock');
    await lf.lock();
    await lf.touch();
    await lf.unlock();
    const after = await readFile(join(dir, 'old.lock'));
    expect(after.length).toBe(100); // pwrite at offset 0, no truncation
    expect(after.subarray(64)).toEqual(content.subarray(64));
  });

  it('touch writes 64 bytes in the Go layout: time ns, counter, pid, random', async () => {
    const lf = await openLock();
    await lf.lock();
    const before = BigInt(Date.now()) * 1_000_000n;
    const t1 = await lf.recordWrite();
    const onDisk1 = await lf.getLastWrite();
    const t2 = await lf.recordWrite();
    const after = BigInt(Date.now() + 1) * 1_000_000n;
    await lf.unlock();
    const file = await readFile(join(dir, 't.lock'));
    expect(file.length).toBe(TOKEN_SIZE);
    expect(onDisk1).toEqual(t1);
    expect(file).toEqual(t2);
    const d1 = describeToken(t1)!;
    const d2 = describeToken(t2)!;
    expect(d1.pid).toBe(process.pid);
    expect(file.readUInt32LE(16)).toBe(process.pid);
    expect(d2.counter).toBe(d1.counter + 1n);
    expect(d1.timeNs).toBeGreaterThanOrEqual(before);
    expect(d2.timeNs).toBeGreaterThanOrEqual(before);
    expect(d1.timeNs).toBeLessThanOrEqual(after);
    expect(d2.timeNs).toBeLessThanOrEqual(after);
    expect(t1.subarray(20).equals(t2.subarray(20))).toBe(false);
    expect(describeToken(Buffer.alloc(10))).toBe(null);
  });

  it('modified() is per object: true on first look, after another object writes, false otherwise', async () => {
    const a = await openLock();
    const b = await openLock();
    await a.rLock();
    expect(await a.modified()).toBe(true); // nothing seen yet
    expect(await a.modified()).toBe(false); // empty file, unchanged (HEAD's rule)
    await a.unlock();
    await b.lock();
    expect(await b.modified()).toBe(true);
    await b.touch();
    expect(await b.modified()).toBe(false); // its own write
    await b.unlock();
    await a.rLock();
    expect(await a.modified()).toBe(true); // b wrote
    expect(await a.modified()).toBe(false);
    await a.unlock();
  });

  it('modified() sees a short token change and a rewrite by another writer', async () => {
    const a = await openLock();
    await a.rLock();
    await a.modified();
    await a.unlock();
    await writeFile(join(dir, 't.lock'), 'short'); // what an old or foreign writer might leave
    await a.rLock();
    expect(await a.modified()).toBe(true);
    expect(await a.getLastWrite()).toEqual(Buffer.from('short'));
    expect(await a.modified()).toBe(false);
    await a.unlock();
  });

  it('modifiedSince compares with a caller-kept token (HEAD style)', async () => {
    const a = await openLock();
    const b = await openLock();
    await a.lock();
    const mine = await a.recordWrite();
    expect(await a.modifiedSince(mine)).toEqual({ modified: false, lastWrite: mine });
    await a.unlock();
    await b.withLock(() => b.touch());
    await a.rLock();
    const r = await a.modifiedSince(mine);
    expect(r.modified).toBe(true);
    expect(r.lastWrite.length).toBe(64);
    expect(r.lastWrite.equals(mine)).toBe(false);
    await a.unlock();
  });
});
