import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { describeToken, LockFile } from '../src/index.js';
import { hasCommand, makeTempDir, stillPending } from './helpers.js';

// Absolute path: under pnpm, PATH finds this project's own CLI (linked as containers-storage) first.
const CLI = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';
const haveGo = hasCommand(CLI);
if (!haveGo) console.warn(`skipping Go interop tests: ${CLI} is not installed`);

let dir: string;
let cleanup: () => Promise<void>;
const children: ChildProcess[] = [];
const opened: LockFile[] = [];

interface Run {
  child: ChildProcess;
  done: Promise<{ code: number | null; stdout: string; stderr: string }>;
}

function go(...args: string[]): Run {
  const child = spawn(CLI, ['--graph', join(dir, 'G'), '--run', join(dir, 'R'), '--storage-driver', 'vfs', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => (stdout += d));
  child.stderr!.on('data', (d) => (stderr += d));
  const done = once(child, 'exit').then(([code]) => ({ code: code as number | null, stdout, stderr }));
  return { child, done };
}

async function goOk(...args: string[]): Promise<string> {
  const r = await go(...args).done;
  if (r.code !== 0) throw new Error(`${CLI} ${args.join(' ')} failed (${r.code}): ${r.stderr}`);
  return r.stdout;
}

beforeEach(async () => {
  ({ dir, cleanup } = await makeTempDir());
});

afterEach(async () => {
  for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  for (const lf of opened.splice(0)) await lf.close().catch(() => {});
  await cleanup();
});

describe.skipIf(!haveGo)('against the Go containers-storage CLI (1.43)', () => {
  it('create-layer waits for our write lock on layers.lock, and afterwards modified() is true', async () => {
    await goOk('layers'); // creates the store and G/vfs-layers/layers.lock
    const lockPath = join(dir, 'G', 'vfs-layers', 'layers.lock');
    const modeBefore = (await stat(lockPath)).mode;
    const lf = await LockFile.open(lockPath);
    opened.push(lf);

    await lf.lock();
    await lf.modified(); // remember the current token
    const create = go('create-layer');
    expect(await stillPending(create.done, 1500)).toBe(true); // Go is blocked in F_SETLKW
    await lf.unlock();
    const r = await create.done;
    expect(r.code).toBe(0);
    const layerID = r.stdout.trim();
    expect(layerID).toMatch(/^[0-9a-f]{64}$/);

    await lf.rLock();
    expect(await lf.modified()).toBe(true);
    const token = await lf.getLastWrite();
    await lf.unlock();
    expect(token.length).toBe(64);
    expect(describeToken(token)!.pid).toBe(create.child.pid); // Go wrote its pid where we expect it
    expect((await stat(lockPath)).mode).toBe(modeBefore);
    expect(await goOk('layers')).toContain(layerID);
  });

  it('Go accepts our token and keeps the lock file intact; its reads do not count as writes', async () => {
    await goOk('layers');
    const lockPath = join(dir, 'G', 'vfs-layers', 'layers.lock');
    const lf = await LockFile.open(lockPath);
    opened.push(lf);
    await lf.lock();
    const ours = await lf.recordWrite();
    await lf.unlock();
    expect((await readFile(lockPath)).equals(ours)).toBe(true);

    await goOk('layers'); // a reader: must not write a token
    await lf.rLock();
    expect(await lf.modifiedSince(ours)).toEqual({ modified: false, lastWrite: ours });
    await lf.unlock();

    const id = (await goOk('create-layer')).trim();
    await lf.rLock();
    const after = await lf.modifiedSince(ours);
    await lf.unlock();
    expect(after.modified).toBe(true);
    expect(describeToken(after.lastWrite)!.counter).toBeGreaterThan(0n);
    expect(await goOk('layers')).toContain(id);
  });

  it('a read lock of ours holds off a Go writer (delete-layer) until we let go', async () => {
    // (1.43 takes the write lock even for its initial load, so any Go command waits here.)
    await goOk('layers');
    const lockPath = join(dir, 'G', 'vfs-layers', 'layers.lock');
    const lf = await LockFile.open(lockPath, { readOnly: true });
    opened.push(lf);
    const id = (await goOk('create-layer')).trim();
    await lf.rLock();
    const writer = go('delete-layer', id);
    expect(await stillPending(writer.done, 1000)).toBe(true);
    await lf.unlock();
    expect((await writer.done).code).toBe(0);
    expect(await goOk('layers')).not.toContain(id);
  });
});
