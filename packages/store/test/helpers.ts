import { execFile, spawn } from 'node:child_process';
import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { Readable } from 'node:stream';

export const run = promisify(execFile);
export const IS_ROOT = process.geteuid?.() === 0;
export const BENCH = process.env['CS_BENCH_DATA'] ?? '/var/tmp/bench-data';

export async function tempDir(prefix: string): Promise<string> {
  return mkdtemp(path.join(os.tmpdir(), prefix));
}

/** Builds an uncompressed tar of the given files with GNU tar (a real tarball, not our writer). */
export async function makeTar(dir: string, files: Record<string, string>): Promise<Buffer> {
  const src = await mkdtemp(path.join(dir, 'src-'));
  for (const [name, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(src, name)), { recursive: true });
    await writeFile(path.join(src, name), content);
  }
  const out = path.join(dir, `${path.basename(src)}.tar`);
  await run('tar', ['-C', src, '--numeric-owner', '-cf', out, '.']);
  const data = await readFile(out);
  await rm(src, { recursive: true, force: true });
  await rm(out, { force: true });
  return data;
}

export function streamOf(data: Buffer): Readable {
  return Readable.from([data]);
}

export async function collect(stream: AsyncIterable<unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

/** Can this machine mount a kernel overlay (root + overlay filesystem)? */
export async function overlayUsable(): Promise<boolean> {
  if (!IS_ROOT) return false;
  try {
    const fsList = await readFile('/proc/filesystems', 'utf8');
    return /\toverlay\n/.test(fsList);
  } catch {
    return false;
  }
}

/** Unmounts anything left mounted under a directory (deepest first). */
export async function unmountUnder(dir: string): Promise<void> {
  const text = await readFile('/proc/self/mountinfo', 'utf8');
  const points = text
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((p): p is string => p !== undefined && (p === dir || p.startsWith(dir + '/')))
    .sort((a, b) => b.length - a.length);
  for (const p of points) await run('umount', ['-l', p]).catch(() => {});
}

/** Holds a POSIX (fcntl) write lock on `file` from another process, as Go would, until `release()`. */
export async function holdLock(file: string): Promise<{ release: () => Promise<void> }> {
  const py = 'import fcntl,sys\nf=open(sys.argv[1],"r+")\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint("locked",flush=True)\nsys.stdin.read()\n';
  const child = spawn('python3', ['-c', py, file], { stdio: ['pipe', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`lock holder exited with ${code}`)));
  });
  return {
    release: async () => {
      child.stdin.end();
      await new Promise((r) => child.once('exit', r));
    },
  };
}
