import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pathToFileURL } from 'node:url';

export async function makeTempDir(): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'cs-lockfile-'));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Resolves true when `p` has not settled after `ms` milliseconds. */
export async function stillPending(p: Promise<unknown>, ms: number): Promise<boolean> {
  let settled = false;
  p.then(
    () => (settled = true),
    () => (settled = true),
  );
  await new Promise((r) => setTimeout(r, ms));
  return !settled;
}

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

/** A child process that takes a lock, says so on stdout, and releases it when told. */
export class Holder {
  readonly child: ChildProcess;
  #lines: AsyncIterator<string>;
  #stderr = '';

  private constructor(child: ChildProcess) {
    this.child = child;
    this.#lines = createInterface({ input: child.stdout! })[Symbol.asyncIterator]();
    child.stderr!.on('data', (d) => (this.#stderr += d));
  }

  /** Next stdout line (e.g. 'locked'), or throws if the child exits first. */
  async nextLine(): Promise<string> {
    const r = await this.#lines.next();
    if (r.done) throw new Error(`holder exited early: ${this.#stderr}`);
    return r.value;
  }

  /** python3's fcntl.lockf (classic POSIX locks, as Go takes them) on every file. */
  static python(mode: 'ex' | 'sh', files: string[]): Holder {
    const script = [
      'import fcntl, sys',
      'mode = sys.argv[1]',
      "fs = [open(p, 'r+' if mode == 'ex' else 'r') for p in sys.argv[2:]]",
      'for f in fs: fcntl.lockf(f, fcntl.LOCK_EX if mode == "ex" else fcntl.LOCK_SH)',
      "print('locked', flush=True)",
      'sys.stdin.readline()',
    ].join('\n');
    return new Holder(spawn('python3', ['-c', script, mode, ...files], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  /** Another node process using this package's built dist. */
  static node(file: string, kind: 'r' | 'w', opts: { tryOnly?: boolean } = {}): Holder {
    const dist = pathToFileURL(join(import.meta.dirname, '..', 'dist', 'index.js')).href;
    const script = `
      import { LockFile } from ${JSON.stringify(dist)};
      const lf = await LockFile.open(${JSON.stringify(file)});
      if (${opts.tryOnly === true}) {
        const got = ${kind === 'w'} ? await lf.tryLock() : await lf.tryRLock();
        console.log(got ? 'got' : 'busy');
      } else {
        if (${kind === 'w'}) await lf.lock(); else await lf.rLock();
        console.log('locked');
      }
      process.stdin.once('data', async () => { await lf.close(); process.exit(0); });
    `;
    return new Holder(spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['pipe', 'pipe', 'pipe'] }));
  }

  async release(): Promise<void> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return;
    const exited = once(this.child, 'exit');
    this.child.stdin!.write('go\n');
    await exited;
  }

  kill(): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGKILL');
  }
}

/** python3 probe: can a POSIX lockf lock of `mode` be taken right now, without waiting? */
export async function pythonCanLock(file: string, mode: 'ex' | 'sh'): Promise<boolean> {
  const script = [
    'import fcntl, sys',
    "f = open(sys.argv[2], 'r+' if sys.argv[1] == 'ex' else 'r')",
    'try:',
    '    fcntl.lockf(f, (fcntl.LOCK_EX if sys.argv[1] == "ex" else fcntl.LOCK_SH) | fcntl.LOCK_NB)',
    "    print('got')",
    'except OSError as e:',
    "    print('busy', e.errno)",
  ].join('\n');
  const child = spawn('python3', ['-c', script, mode, file], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d) => (out += d));
  await once(child, 'exit');
  if (out.startsWith('got')) return true;
  if (out.startsWith('busy')) return false;
  throw new Error(`python probe failed: ${out}`);
}
