import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLI, GO_CLI, haveGo, isRoot, overlayWorks, runBinary, unmountUnder, type Result } from './helpers.js';

/** The CLI under test: dist/cli.js, or a build elsewhere (CS_CLI_JS) made while dist/ is in use. */
const CLI_JS = process.env.CS_CLI_JS ?? CLI;
const ours = (args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<Result> => runBinary(process.execPath, [CLI_JS, ...args], { env });
const REFLINK_FS = fileURLToPath(new URL('../../../tools/testing/reflink-fs.sh', import.meta.url));

const A = randomBytes(200 * 1024);
const B = randomBytes(60 * 1024);
const C = randomBytes(200 * 1024);

/** A tar of the given files (GNU tar, numeric owners). */
async function tarOf(scratch: string, files: Record<string, Buffer>): Promise<string> {
  const src = await mkdtemp(path.join(scratch, 'src-'));
  for (const [name, data] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(src, name)), { recursive: true });
    await writeFile(path.join(src, name), data);
  }
  const out = `${src}.tar`;
  execFileSync('tar', ['-C', src, '--numeric-owner', '-cf', out, '.']);
  await rm(src, { recursive: true });
  return out;
}

/**
 * Images on: L1 {a: A, b: B}, L2 {a2: A, c: C}, and child L4 of L5 {b-copy: B}; a loose layer L3
 * {a3: A} that no image uses. Shared across image layers: A once more; B once more via L5, and on
 * vfs once again in L4 (a vfs child is a full copy of its parent; an overlay child holds only its
 * own changes).
 */
async function populate(flags: string[], scratch: string): Promise<void> {
  const importLayer = async (file: string, extra: string[]) => {
    const r = await ours([...flags, 'import-layer', '-f', file, ...extra]);
    expect(r.status, r.stderr).toBe(0);
  };
  await importLayer(await tarOf(scratch, { a: A, 'sub/b': B }), ['-n', 'L1']);
  await importLayer(await tarOf(scratch, { a2: A, c: C }), ['-n', 'L2']);
  await importLayer(await tarOf(scratch, { a3: A }), ['-n', 'L3']);
  await importLayer(await tarOf(scratch, { 'deep/b-copy': B }), ['-n', 'L5']);
  expect((await ours([...flags, 'create-layer', '-n', 'L4', 'L5'])).status).toBe(0);
  for (const [img, top] of [['i1', 'L1'], ['i2', 'L2'], ['i4', 'L4']]) {
    const r = await ours([...flags, 'create-image', '-n', img!, top!]);
    expect(r.status, r.stderr).toBe(0);
  }
}

async function storeIn(parent: string, driver: string): Promise<{ flags: string[]; dispose: () => Promise<void> }> {
  const dir = await mkdtemp(path.join(parent, `cs-cli-dedup-${driver}-`));
  const flags = ['--graph', path.join(dir, 'root'), '--run', path.join(dir, 'run'), '--storage-driver', driver];
  return {
    flags,
    async dispose() {
      await ours([...flags, 'shutdown', '-f']);
      unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

const drivers = ['vfs', ...(overlayWorks ? ['overlay'] : [])];

describe.skipIf(!isRoot)('dedup on a reflink file system (loop-mounted XFS)', () => {
  let mnt = '';
  let skipReason = '';
  beforeAll(async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'cs-cli-xfs-'));
    const up = spawnSync(REFLINK_FS, ['up', path.join(base, 'xfs'), '400'], { encoding: 'utf8' });
    if (up.status === 0) mnt = path.join(base, 'xfs');
    else {
      skipReason = up.stdout.trim() || up.stderr.trim();
      console.warn(`[@cs/cli] skipping dedup on XFS: ${skipReason}`);
      await rm(base, { recursive: true, force: true });
    }
  });
  afterAll(async () => {
    if (!mnt) return;
    spawnSync(REFLINK_FS, ['down', mnt]);
    await rm(path.dirname(mnt), { recursive: true, force: true });
  });

  for (const driver of drivers) {
    it(`${driver}: shares image layers' identical files and prints the same total every run`, async (ctx) => {
      // Skipped only where this machine cannot loop-mount XFS with reflink (no loop devices or mkfs.xfs;
      // tools/testing/reflink-fs.sh prints which); CI installs xfsprogs and runs these as root.
      if (!mnt) return ctx.skip(skipReason);
      const store = await storeIn(mnt, driver);
      try {
        await populate(store.flags, mnt);
        const expected = A.length + B.length * (driver === 'vfs' ? 2 : 1);
        for (const method of [[], ['--hash-method', 'size'], ['--hash-method=sha256'], ['--hash-method', 'crc']]) {
          const r = await ours([...store.flags, 'dedup', ...method]);
          expect(r).toEqual({ status: 0, stdout: `Deduplicated ${expected} bytes\n`, stderr: '' });
        }
        expect(await ours([...store.flags, 'dedup', '--json'])).toEqual({ status: 0, stdout: `{"Deduped":${expected}}\n`, stderr: '' });
      } finally {
        await store.dispose();
      }
    });
  }
});

describe.skipIf(!isRoot)('dedup errors', () => {
  let store: Awaited<ReturnType<typeof storeIn>>;
  let scratch: string;
  beforeEach(async () => {
    scratch = await mkdtemp('/dev/shm/cs-cli-dedup-');
    store = await storeIn(scratch, 'vfs');
  });
  afterEach(async () => {
    await store.dispose();
    await rm(scratch, { recursive: true, force: true });
  });

  it('on tmpfs (no shared extents): a clear error, exit 1; --json prints {} and nothing on stderr', async () => {
    await populate(store.flags, scratch);
    const r = await ours([...store.flags, 'dedup']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(
      /^dedup: the file system of \/dev\/shm\/\S+ cannot share file extents \(FIDEDUPERANGE: operation not supported\); dedup needs XFS with reflink or btrfs\n$/,
    );
    expect(await ours([...store.flags, 'dedup', '-j'])).toEqual({ status: 1, stdout: '{}\n', stderr: '' });
  });

  it('refuses an unknown hash method (the man page\'s sha256sum too) and arguments', async () => {
    expect(await ours([...store.flags, 'dedup', '--hash-method', 'sha256sum'])).toEqual({
      status: 1,
      stdout: '',
      stderr: 'invalid hash method: sha256sum\n',
    });
    const r = await ours([...store.flags, 'dedup', 'extra']);
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^dedup: too many arguments \(\[extra\]\)\.\n/);
  });

  it('an empty store has nothing to share, whatever the file system', async () => {
    expect(await ours([...store.flags, 'dedup'])).toEqual({ status: 0, stdout: 'Deduplicated 0 bytes\n', stderr: '' });
  });
});

/** storage.conf selecting the store (store flags before the command would bypass it, cli.md §1.5). */
async function confEnv(dir: string, driver: string, partial: string | null): Promise<NodeJS.ProcessEnv> {
  const conf = path.join(dir, 'storage.conf');
  let text = `[storage]\ndriver = "${driver}"\ngraphroot = "${dir}/root"\nrunroot = "${dir}/run"\n`;
  if (partial !== null) text += `[storage.options.pull_options]\nenable_partial_images = "${partial}"\n`;
  await writeFile(conf, text);
  return { ...process.env, CONTAINERS_STORAGE_CONF: conf };
}

describe.skipIf(!overlayWorks)('applydiff-using-staging-dir', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  const goFlags = () => ['--graph', `${dir}/root`, '--run', `${dir}/run`, '--storage-driver', 'overlay'];
  beforeEach(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cs-cli-staged-'));
    env = await confEnv(dir, 'overlay', 'true');
  });
  afterEach(async () => {
    await ours(['shutdown', '-f'], env);
    unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  });

  async function source(): Promise<string> {
    const src = path.join(dir, 'src');
    await mkdir(path.join(src, 'etc'), { recursive: true });
    await writeFile(path.join(src, 'etc', 'hostname'), 'box\n');
    await writeFile(path.join(src, 'big'), A);
    await symlink('etc/hostname', path.join(src, 'name'));
    return src;
  }

  it('makes the directory the layer content; Go reads the layer back (diff byte for byte, mount)', async () => {
    const created = await ours(['create-layer', '-n', 'L'], env);
    expect(created.status, created.stderr).toBe(0);
    const id = created.stdout.split('\n')[0]!;
    const src = await source();
    expect(await ours(['applydiff-using-staging-dir', 'L', src], env)).toEqual({ status: 0, stdout: '', stderr: '' });
    expect(await readdir(path.join(dir, 'root', 'overlay', 'staging'))).toEqual([]);

    const [rec] = JSON.parse((await ours(['layer', '--json', 'L'], env)).stdout) as Array<Record<string, unknown>>;
    expect(rec!['diff-digest']).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(rec!['compressed-diff-digest']).toBe(rec!['diff-digest']);
    const oursDiff = await ours(['diff', '-u', '-f', path.join(dir, 'ours.tar'), 'L'], env);
    expect(oursDiff.status, oursDiff.stderr).toBe(0);
    const oursTar = await readFile(path.join(dir, 'ours.tar'));
    expect(oursTar.length).toBe(rec!['diff-size']);

    if (!haveGo) return console.warn('[@cs/cli] Go containers-storage not installed: interop part skipped');
    const goDiff = await runBinary(GO_CLI, [...goFlags(), 'diff', '-u', '-f', path.join(dir, 'go.tar'), id]);
    expect(goDiff.status, goDiff.stderr).toBe(0);
    expect((await readFile(path.join(dir, 'go.tar'))).equals(oursTar)).toBe(true);
    const listing = execFileSync('tar', ['-tf', path.join(dir, 'go.tar')], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listing).toEqual(['big', 'etc/', 'etc/hostname', 'name']);
    const mounted = await runBinary(GO_CLI, [...goFlags(), 'mount', id]);
    expect(mounted.status, mounted.stderr).toBe(0);
    const mnt = mounted.stdout.trim();
    try {
      expect(await readFile(path.join(mnt, 'etc', 'hostname'), 'utf8')).toBe('box\n');
      expect((await readFile(path.join(mnt, 'big'))).equals(A)).toBe(true);
      expect((await readdir(mnt)).sort()).toEqual(['big', 'etc', 'name']);
    } finally {
      await runBinary(GO_CLI, [...goFlags(), 'unmount', id]);
      await runBinary(GO_CLI, [...goFlags(), 'shutdown']);
    }
  });

  it('replaces what the layer held before (a staged layer is the whole content)', async () => {
    const old = await tarOf(dir, { old: B });
    expect((await ours(['import-layer', '-n', 'L', '-f', old], env)).status).toBe(0);
    const src = await source();
    expect((await ours(['applydiff-using-staging-dir', 'L', src], env)).status).toBe(0);
    const r = await ours(['diff', '-u', '-f', path.join(dir, 'after.tar'), 'L'], env);
    expect(r.status, r.stderr).toBe(0);
    const listing = execFileSync('tar', ['-tf', path.join(dir, 'after.tar')], { encoding: 'utf8' }).split('\n').filter(Boolean).sort();
    expect(listing).toEqual(['big', 'etc/', 'etc/hostname', 'name']);
  });

  it('errors: unknown layer, missing or non-directory source, partial images off, vfs, argument count', async () => {
    const src = await source();
    expect((await ours(['create-layer', '-n', 'L'], env)).status).toBe(0);
    expect(await ours(['applydiff-using-staging-dir', 'nosuch', src], env)).toEqual({ status: 1, stdout: '', stderr: 'layer not known\n' });
    expect(await ours(['applydiff-using-staging-dir', 'L', path.join(dir, 'none')], env)).toEqual({
      status: 1,
      stdout: '',
      stderr: `lstat ${path.join(dir, 'none')}: no such file or directory\n`,
    });
    expect((await ours(['applydiff-using-staging-dir', 'L', path.join(src, 'big')], env)).stderr).toBe(`lstat ${path.join(src, 'big')}: not a directory\n`);
    for (const partial of [null, 'false']) {
      const off = await confEnv(dir, 'overlay', partial);
      expect(await ours(['applydiff-using-staging-dir', 'L', src], off)).toEqual({ status: 1, stdout: '', stderr: 'partial images are disabled\n' });
    }
    const vfsDir = await mkdtemp(path.join(dir, 'vfs-'));
    const vfs = await confEnv(vfsDir, 'vfs', 'true');
    expect((await ours(['create-layer', '-n', 'V'], vfs)).status).toBe(0);
    expect(await ours(['applydiff-using-staging-dir', 'V', src], vfs)).toEqual({
      status: 1,
      stdout: '',
      stderr: 'graph driver vfs does not support partial pull\n',
    });
    const few = await ours(['applydiff-using-staging-dir', 'L'], env);
    expect(few.status).toBe(1);
    expect(few.stdout).toMatch(/^applydiff-using-staging-dir: more arguments required\.\n/);
  });
});
