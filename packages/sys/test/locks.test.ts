import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { open, readFile, writeFile, type FileHandle } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ofdGetLock, ofdGetLockSync, ofdLock, ofdTryLock, ofdTryLockSync, ofdUnlock, ofdUnlockSync, type LockKind,
} from '../src/index.js';
import { makeTempDir, rejection, removeDir, requireBinary } from './helpers.js';

const addonPath = fileURLToPath(new URL('../build/Release/cs_sys.node', import.meta.url));
const holderScript = fileURLToPath(new URL('./fixtures/hold-lock.cjs', import.meta.url));

let dir: string;
let lockPath: string;
const handles: FileHandle[] = [];
const children: ChildProcess[] = [];

beforeEach(async () => {
  dir = await makeTempDir();
  lockPath = join(dir, 'lock');
  await writeFile(lockPath, '');
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await once(child, 'exit');
    }
  }
  for (const fh of handles.splice(0)) await fh.close().catch(() => {});
  await removeDir(dir);
});

async function openLock(flags = 'r+'): Promise<FileHandle> {
  const fh = await open(lockPath, flags);
  handles.push(fh);
  return fh;
}

/**
 * Resolves once `child` printed `word` on a line of its stdout. The stream keeps flowing afterwards:
 * closing our end early would make the child's next write fail (python dies of BrokenPipeError
 * and drops its lock).
 */
function waitForLine(child: ChildProcess, word: string): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const onData = (chunk: Buffer) => {
      seen += String(chunk);
      if (seen.split('\n').includes(word)) {
        child.stdout!.off('data', onData);
        child.stdout!.resume(); // drain whatever else it says
        child.off('close', onExit);
        resolve();
      }
    };
    const onExit = () => reject(new Error(`child exited without printing '${word}' (printed: ${JSON.stringify(seen)})`));
    child.stdout!.on('data', onData);
    child.once('close', onExit);
  });
}

/** Another node process holding an OFD lock on lockPath until we close its stdin. */
async function spawnNodeHolder(kind: LockKind): Promise<ChildProcess> {
  const child = spawn(process.execPath, [holderScript, addonPath, lockPath, kind], { stdio: ['pipe', 'pipe', 'inherit'] });
  children.push(child);
  await waitForLine(child, 'locked');
  return child;
}

async function release(child: ChildProcess): Promise<void> {
  child.stdin!.end();
  await once(child, 'exit');
}

/** Resolves to 'pending' if `p` has not settled after `ms` of a live event loop. */
async function stateAfter(p: Promise<unknown>, ms: number): Promise<'settled' | 'pending'> {
  return Promise.race([p.then(() => 'settled' as const), new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

describe('OFD locks within one process', () => {
  it('two open file descriptions conflict; getlock names the kind; unlock frees it', async () => {
    const a = await openLock();
    const b = await openLock();
    expect(await ofdTryLock(a.fd, 'w')).toBe(true);
    expect(await ofdTryLock(b.fd, 'w')).toBe(false);
    expect(await ofdTryLock(b.fd, 'r')).toBe(false);
    expect(await ofdGetLock(b.fd, 'r')).toEqual({ kind: 'w', pid: -1 });
    expect(await ofdGetLock(a.fd, 'w')).toBeNull(); // our own lock does not block us
    await ofdUnlock(a.fd);
    expect(await ofdGetLock(b.fd, 'w')).toBeNull();
    expect(await ofdTryLock(b.fd, 'w')).toBe(true);
  });

  it('read locks are shared, and exclude a writer', async () => {
    const a = await openLock('r');
    const b = await openLock('r');
    const c = await openLock();
    expect(ofdTryLockSync(a.fd, 'r')).toBe(true);
    expect(ofdTryLockSync(b.fd, 'r')).toBe(true);
    expect(ofdTryLockSync(c.fd, 'w')).toBe(false);
    expect(ofdGetLockSync(c.fd, 'w')).toEqual({ kind: 'r', pid: -1 });
    ofdUnlockSync(a.fd);
    ofdUnlockSync(b.fd);
    expect(ofdTryLockSync(c.fd, 'w')).toBe(true);
  });

  it('a blocking lock waits for the unlock, with the event loop running', async () => {
    const a = await openLock();
    const b = await openLock();
    await ofdLock(a.fd, 'w'); // uncontended: resolves right away
    const waiting = ofdLock(b.fd, 'w');
    expect(await stateAfter(waiting, 100)).toBe('pending');
    await ofdUnlock(a.fd);
    await waiting;
    expect(await ofdGetLock(a.fd, 'w')).toEqual({ kind: 'w', pid: -1 });
  });

  it('reports errors like Node: bad fd, wrong open mode, bad kind', async () => {
    const ro = await openLock('r');
    // a write lock needs a descriptor open for writing
    expect(await rejection(ofdTryLock(ro.fd, 'w'))).toMatchObject({ code: 'EBADF', syscall: 'fcntl' });
    expect(await rejection(ofdLock(ro.fd, 'w'))).toMatchObject({ code: 'EBADF', syscall: 'fcntl' });
    const closed = await open(lockPath, 'r');
    const fd = closed.fd;
    await closed.close();
    expect((await rejection(ofdUnlock(fd))).code).toBe('EBADF');
    expect((await rejection(ofdGetLock(fd, 'r'))).code).toBe('EBADF');
    expect((await rejection(ofdTryLock(ro.fd, 'x' as LockKind))).code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await rejection(ofdLock(ro.fd, 'rw' as LockKind))).code).toBe('ERR_INVALID_ARG_VALUE');
    expect((await rejection(ofdLock(-1, 'r'))).code).toBe('ERR_OUT_OF_RANGE');
  });
});

describe('OFD locks across processes', () => {
  it('a lock held by another node process blocks us until it exits', async () => {
    const child = await spawnNodeHolder('w');
    const fh = await openLock();
    expect(await ofdTryLock(fh.fd, 'r')).toBe(false);
    expect(await ofdGetLock(fh.fd, 'r')).toEqual({ kind: 'w', pid: -1 });
    const waiting = ofdLock(fh.fd, 'w');
    expect(await stateAfter(waiting, 150)).toBe('pending');
    await release(child);
    await waiting;
    expect(await ofdGetLock((await openLock()).fd, 'r')).toEqual({ kind: 'w', pid: -1 });
  });

  it('our write lock makes another process fail to lock', async () => {
    const fh = await openLock();
    expect(await ofdTryLock(fh.fd, 'w')).toBe(true);
    const child = spawn(process.execPath, [holderScript, addonPath, lockPath, 'r'], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(child);
    let out = '';
    for await (const chunk of child.stdout!) out += String(chunk);
    if (child.exitCode === null) await once(child, 'exit');
    expect(out).toBe('busy\n');
    expect(child.exitCode).toBe(3);
  });

  it('conflicts both ways with classic POSIX locks (python fcntl.lockf, as the Go code uses)', async (ctx) => {
    requireBinary(ctx, 'python3');
    const holder = spawn('python3', ['-c', [
      'import fcntl, os, sys',
      `f = open(${JSON.stringify(lockPath)}, "r+")`,
      'fcntl.lockf(f, fcntl.LOCK_EX)',
      'print("locked", flush=True)',
      'sys.stdin.read()',
    ].join('\n')], { stdio: ['pipe', 'pipe', 'inherit'] });
    children.push(holder);
    await waitForLine(holder, 'locked');
    const fh = await openLock();
    expect(await ofdTryLock(fh.fd, 'w')).toBe(false);
    expect(await ofdGetLock(fh.fd, 'w')).toEqual({ kind: 'w', pid: holder.pid });
    const waiting = ofdLock(fh.fd, 'r');
    expect(await stateAfter(waiting, 100)).toBe('pending');
    await release(holder);
    await waiting;

    // reverse: with our OFD read lock held, python's non-blocking exclusive lockf fails with EAGAIN (11)
    const prober = spawn('python3', ['-c', [
      'import fcntl',
      `f = open(${JSON.stringify(lockPath)}, "r+")`,
      'try:',
      '    fcntl.lockf(f, fcntl.LOCK_EX | fcntl.LOCK_NB)',
      '    print("acquired")',
      'except OSError as e:',
      '    print("errno", e.errno)',
    ].join('\n')], { stdio: ['ignore', 'pipe', 'inherit'] });
    children.push(prober);
    let out = '';
    for await (const chunk of prober.stdout) out += String(chunk);
    expect(out.trim()).toBe('errno 11');
    await ofdUnlock(fh.fd);
  });
});

describe('blocking waits do not starve the event loop or the thread pool', () => {
  it('with 16 waiters blocked on a lock held elsewhere, fs.promises.readFile still completes promptly', async () => {
    const child = await spawnNodeHolder('w');
    const waiters: Promise<void>[] = [];
    for (let i = 0; i < 16; i++) {
      const fh = await openLock('r');
      waiters.push(ofdLock(fh.fd, 'r'));
    }
    expect(await stateAfter(Promise.race(waiters), 100)).toBe('pending');

    // libuv's pool has 4 threads: if the waits sat on it, these reads would hang until the release
    const dataFile = join(dir, 'data');
    await writeFile(dataFile, 'payload');
    const started = performance.now();
    const reads = Promise.all(Array.from({ length: 8 }, () => readFile(dataFile, 'utf8')));
    const tooLate = new Promise<'starved'>((r) => setTimeout(() => r('starved'), 3000));
    const outcome = await Promise.race([reads, tooLate]);
    const elapsed = performance.now() - started;
    expect(outcome).toEqual(Array(8).fill('payload'));
    expect(elapsed).toBeLessThan(1000);
    expect(await stateAfter(Promise.race(waiters), 10)).toBe('pending');

    await release(child);
    await Promise.all(waiters); // shared read locks: every waiter gets one
  }, 20000);
});

describe('waits in worker threads', () => {
  it('a worker terminated while it waits does not crash the process when the wait ends later', async () => {
    const holder = await openLock();
    expect(await ofdTryLock(holder.fd, 'w')).toBe(true);
    const worker = new Worker([
      'const { parentPort, workerData } = require("node:worker_threads");',
      'const fs = require("node:fs");',
      'const sys = require(workerData.addonPath);',
      'const fd = fs.openSync(workerData.lockPath, "r");',
      'sys.ofdLock(fd, "r").then(() => parentPort.postMessage("acquired"));',
      'parentPort.postMessage("waiting");',
    ].join('\n'), { eval: true, workerData: { addonPath, lockPath } });
    const [first] = await once(worker, 'message');
    expect(first).toBe('waiting');
    await new Promise((r) => setTimeout(r, 50)); // let the wait thread block in fcntl
    await worker.terminate();
    await ofdUnlock(holder.fd); // wakes the orphaned wait thread
    await new Promise((r) => setTimeout(r, 100));
    // the process is alive and the lock machinery still works
    const other = await openLock();
    await ofdLock(other.fd, 'w');
    expect(await ofdGetLock(holder.fd, 'r')).toEqual({ kind: 'w', pid: -1 });
  });
});
