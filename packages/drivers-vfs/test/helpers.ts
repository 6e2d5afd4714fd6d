import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { access, lstat, mkdtemp, readdir, readlink, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mountsUnder } from '@cs/drivers';
import { lgetxattr, llistxattr, major, minor, MNT, umount2 } from '@cs/sys';

export const isRoot = process.geteuid?.() === 0;
export const BENCH_DATA = process.env.CS_BENCH_DATA ?? '/var/tmp/bench-data';
/** Debian's Go CLI by absolute path: under pnpm, node_modules/.bin has our own containers-storage first. */
export const GO_CLI = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';
export const haveGoCli = await exists(GO_CLI);

/** A temp dir whose mounts are all lazily unmounted (deepest first) before it is removed. */
export async function makeTempRoot(): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'cs-vfs-'));
  return {
    dir,
    async dispose() {
      for (let round = 0; round < 3; round++) {
        const mounts = await mountsUnder(dir);
        if (mounts.length === 0) break;
        for (const m of mounts) await umount2(m, MNT.DETACH).catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function exists(p: string): Promise<boolean> {
  try {
    await access(p);
    return true;
  } catch {
    return false;
  }
}

export async function hasBinary(name: string): Promise<boolean> {
  const res = await runCommand('/bin/sh', ['-c', `command -v ${name}`]);
  return res.code === 0;
}

export function runCommand(file: string, args: string[], opts: { cwd?: string } = {}) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve, reject) => {
    const child = spawn(file, args, { cwd: opts.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (stdout += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** Runs Debian's Go containers-storage against a graph root; throws with its stderr on failure. */
export async function goCli(graph: string, run: string, driver: string, args: string[]): Promise<string> {
  const res = await runCommand(GO_CLI, ['--graph', graph, '--run', run, '--storage-driver', driver, ...args]);
  if (res.code !== 0) throw new Error(`containers-storage ${args.join(' ')} failed (${res.code}): ${res.stderr}`);
  return res.stdout;
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * One line per object below `root` (root itself excluded): path, type, mode, owner, size,
 * content hash, link target, device numbers, xattrs, link count. Used to compare trees with Go's.
 */
export async function treeListing(root: string, opts: { skipXattr?: (name: string) => boolean } = {}): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = await lstat(p);
      const kind = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : 's';
      let extra = '';
      if (kind === 'f') extra = `size=${st.size} sha=${(await sha256(p)).slice(0, 16)} nlink=${st.nlink}`;
      if (kind === 'l') extra = `-> ${await readlink(p)}`;
      if (kind === 'c' || kind === 'b') extra = `dev=${major(st.rdev)},${minor(st.rdev)}`;
      const xattrs: string[] = [];
      for (const x of (await llistxattr(p)).sort()) {
        if (opts.skipXattr?.(x)) continue;
        xattrs.push(`${x}=${(await lgetxattr(p, x)).toString('hex')}`);
      }
      lines.push(`${r} ${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${extra} ${xattrs.join(' ')}`.trimEnd());
      if (kind === 'd') await walk(r);
    }
  };
  await walk('');
  return lines;
}

export async function tarFileMembers(file: string): Promise<string[]> {
  const res = await runCommand('tar', ['--numeric-owner', '-tvf', file]);
  if (res.code !== 0) throw new Error(`tar -tvf failed: ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [perms, owner, size, , , ...name] = l.split(/\s+/);
      return `${perms} ${owner} ${size} ${name.join(' ')}`;
    })
    .sort();
}

export async function tarMembers(stream: AsyncIterable<Uint8Array>, scratch: string): Promise<string[]> {
  const { writeFile } = await import('node:fs/promises');
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  await writeFile(scratch, Buffer.concat(chunks));
  return tarFileMembers(scratch);
}
