/** Test helpers for the output side: temp trees, real overlay mounts, tar parsing, the Go oracle. */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { promisify } from 'node:util';
import tarStream from 'tar-stream';

export const run = promisify(execFile);

/**
 * The Go oracle by absolute path: under pnpm, PATH starts with node_modules/.bin, where this
 * project's own `containers-storage` CLI is linked. Override with CS_GO_CLI.
 */
export const GO_CLI = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';
export const isRoot = process.getuid?.() === 0;

export async function hasBinary(name: string): Promise<boolean> {
  try {
    if (name.startsWith('/')) await run('test', ['-x', name]);
    else await run('sh', ['-c', `command -v ${name}`]);
    return true;
  } catch {
    return false;
  }
}

export async function tempDir(prefix = 'cs-out-'): Promise<string> {
  return mkdtemp(join(tmpdir(), prefix));
}

export async function removeTree(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

export async function collect(stream: Readable | AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Uint8Array));
  return Buffer.concat(chunks);
}

export interface Member {
  name: string;
  type: string;
  mode: number;
  uid: number;
  gid: number;
  uname: string;
  gname: string;
  size: number;
  mtime: number;
  linkname: string | null;
  devmajor: number;
  devminor: number;
  pax: Record<string, string> | null;
  data: Buffer;
}

/** Parses a tar with tar-stream (an independent reader) into members with their data. */
export async function parseTar(bytes: Buffer): Promise<Member[]> {
  const extract = tarStream.extract();
  const members: Member[] = [];
  const done = new Promise<void>((resolve, reject) => {
    extract.on('entry', (h, stream, next) => {
      const parts: Buffer[] = [];
      stream.on('data', (d: unknown) => parts.push(d as Buffer));
      stream.on('end', () => {
        members.push({
          name: h.name, type: h.type ?? 'file', mode: h.mode ?? 0, uid: h.uid ?? 0, gid: h.gid ?? 0,
          uname: h.uname ?? '', gname: h.gname ?? '', size: h.size ?? 0,
          mtime: h.mtime === undefined ? 0 : Math.floor(h.mtime.getTime() / 1000),
          linkname: h.linkname ?? null, devmajor: h.devmajor ?? 0, devminor: h.devminor ?? 0,
          pax: (h.pax as Record<string, string> | undefined) ?? null, data: Buffer.concat(parts),
        });
        next();
      });
      stream.on('error', reject);
    });
    extract.on('finish', resolve);
    extract.on('error', reject);
  });
  extract.end(bytes);
  await done;
  return members;
}

/** A real kernel overlay mount of one upper over lowers (nearest first). */
export class OverlayMount {
  readonly merged: string;
  private mounted = false;

  constructor(readonly base: string, readonly upper: string, readonly lowers: string[], private readonly work: string) {
    this.merged = join(base, 'merged');
  }

  static async create(base: string, upper: string, lowers: string[]): Promise<OverlayMount> {
    const m = new OverlayMount(base, upper, lowers, join(base, 'work'));
    await run('mkdir', ['-p', m.merged, m.work, upper]);
    await run('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${lowers.join(':')},upperdir=${upper},workdir=${m.work}`, m.merged]);
    m.mounted = true;
    return m;
  }

  async unmount(): Promise<void> {
    if (!this.mounted) return;
    this.mounted = false;
    await run('umount', [this.merged]);
  }
}

/** The Go containers-storage CLI on a store under a temp dir. */
export class GoStore {
  constructor(readonly root: string, readonly driver: 'vfs' | 'overlay') {}

  args(...rest: string[]): string[] {
    return ['--graph', join(this.root, 'g'), '--run', join(this.root, 'r'), '--storage-driver', this.driver, ...rest];
  }

  async cli(...rest: string[]): Promise<string> {
    const { stdout } = await run(GO_CLI, this.args(...rest), { maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  }

  async cliBytes(...rest: string[]): Promise<Buffer> {
    const { stdout } = await run(GO_CLI, this.args(...rest), { encoding: 'buffer', maxBuffer: 256 * 1024 * 1024 });
    return stdout;
  }

  async createLayer(parent?: string): Promise<string> {
    const out = await this.cli('create-layer', ...(parent ? [parent] : []));
    return out.trim().split('\n').pop()!.trim();
  }

  async mount(id: string): Promise<string> {
    return (await this.cli('mount', id)).trim();
  }

  async unmount(id: string): Promise<void> {
    await this.cli('unmount', id);
  }

  /** Layer directory: vfs = whole tree, overlay = diff/. */
  layerDir(id: string): string {
    return this.driver === 'vfs' ? join(this.root, 'g', 'vfs', 'dir', id) : join(this.root, 'g', 'overlay', id, 'diff');
  }

  async shutdown(): Promise<void> {
    await this.cli('shutdown').catch(() => undefined);
    // the overlay driver bind-mounts its home; make sure nothing stays mounted below the root
    const { stdout } = await run('sh', ['-c', `grep -o " ${this.root}[^ ]*" /proc/self/mountinfo || true`]);
    for (const mp of stdout.split('\n').map((s) => s.trim()).filter(Boolean).reverse()) {
      await run('umount', ['-l', mp]).catch(() => undefined);
    }
  }
}

/** Parse `containers-storage changes` text output into "Kind path" strings. */
export function parseGoChanges(text: string): string[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const m = /^(Add|Modify|Delete) "(.*)"$/.exec(l);
      if (!m) throw new Error(`unexpected changes line: ${l}`);
      return `${m[1]} ${m[2]}`;
    });
}
