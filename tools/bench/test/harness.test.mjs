// The harness run as users run it (node bench.mjs ...), against the real run.sh / summarize.sh and the
// real CLIs. Parts that need missing pieces skip with a message.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { access, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const bench = join(here, '..', 'bench.mjs');
const root = join(here, '..', '..', '..');
const scripts = process.env.CS_BENCH_SCRIPTS ?? join(root, '..', 'shared', 'bench');
const data = process.env.CS_BENCH_DATA || '/var/tmp/bench-data';
const exists = (p) => access(p).then(() => true, () => false);

function runBench(args, env = {}) {
  return new Promise((resolve) => {
    execFile(process.execPath, [bench, ...args], { env: { ...process.env, ...env }, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

async function withTemp(fn) {
  const dir = await mkdtemp(join(os.tmpdir(), 'cs-bench-test-'));
  try {
    return await fn(dir);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

test('bad arguments exit 2 with a message', async () => {
  for (const [args, re] of [
    [['cli', '--drivers', 'zfs'], /unknown driver "zfs"/],
    [['cli', '-n', 'x'], /-n must be an integer/],
    [['cli', '--sections', 'import,bogus'], /unknown section "bogus"/],
    [['cli', '--frobnicate'], /Unknown option/],
    [['report'], /report takes one results dir/],
    [['--nope'], /unknown subcommand/],
  ]) {
    const r = await runBench(args);
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
  }
});

test('packages with a filter that matches nothing says so and exits 0', async () => {
  const r = await runBench(['packages', 'no-such-package-xyz']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /no package benchmarks matched/);
});

test('missing run.sh is a harness failure (exit 1)', async () => {
  const r = await runBench(['cli', '--startup-runs', '0'], { CS_BENCH_SCRIPTS: '/nonexistent/bench' });
  assert.equal(r.code, 1);
  assert.match(r.stderr, /BENCH_NO_RUNSH/);
});

test('missing bench data skips the comparison with a message (exit 0)', async (t) => {
  if (!(await exists(join(root, 'packages/cli/dist/cli.js')))) return t.skip('packages/cli/dist/cli.js not built');
  if (!(await exists(join(scripts, 'run.sh')))) return t.skip(`no run.sh in ${scripts}`);
  if (!(await exists('/usr/bin/containers-storage'))) return t.skip('Go containers-storage not installed');
  const r = await runBench(['cli', '--data', '/nonexistent/data']);
  assert.equal(r.code, 0);
  assert.match(r.stdout, /bench data not found in \/nonexistent\/data.*skipping/);
});

test('report: summarize.sh tables with the ours/Go ratio and the goal marks', async (t) => {
  if (!(await exists(join(scripts, 'summarize.sh')))) return t.skip(`no summarize.sh in ${scripts}`);
  await withTemp(async (dir) => {
    assert.match((await runBench(['report', dir])).stdout, /no results in this directory/);
    await writeFile(join(dir, 'go-vfs-1.tsv'), 'import-layer.base.tar\t2.000000\t27000\nmount.chain50-top\t0.010000\t9000\n');
    await writeFile(join(dir, 'ts-vfs-1.tsv'), 'import-layer.base.tar\t0.800000\t60000\nmount.chain50-top\tFAIL\t-\n');
    await writeFile(join(dir, 'notes.txt'), 'not a result file');
    const r = await runBench(['report', dir]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /\| import-layer\.base\.tar \| 2\.000 \| 26\.4 \| 0\.8000 \| 58\.6 \| 0\.40 \|/);
    assert.match(r.stdout, /\| import-layer \| import-layer\.base\.tar \| vfs \| 2\.000 \| 0\.8000 \| 0\.40 \| 0\.5 \| pass \|/);
    assert.match(r.stdout, /\| mount 50-deep chain \| mount\.chain50-top \| vfs \| 0\.0100 \| FAIL \| - \| 0\.8 \| n\/a \|/);
    // a corrupt result file is a harness error, not a silent zero
    await writeFile(join(dir, 'ts-vfs-2.tsv'), 'garbage line\n');
    const bad = await runBench(['report', dir]);
    assert.equal(bad.code, 1);
    assert.match(bad.stderr, /BENCH_PARSE/);
  });
});

test('cli end to end: startup section on vfs for both CLIs, plus hyperfine', { timeout: 180_000 }, async (t) => {
  if (process.geteuid?.() !== 0) return t.skip('needs root (run.sh stores)');
  if (!(await exists(join(root, 'packages/cli/dist/cli.js')))) return t.skip('packages/cli/dist/cli.js not built');
  if (!(await exists(join(data, 'base.tar')))) return t.skip(`no bench data in ${data} (CS_BENCH_DATA)`);
  if (!(await exists(join(scripts, 'run.sh')))) return t.skip(`no run.sh in ${scripts} (CS_BENCH_SCRIPTS)`);
  if (!(await exists('/usr/bin/containers-storage'))) return t.skip('Go containers-storage not installed');
  if (!(await exists('/usr/bin/hyperfine'))) return t.skip('hyperfine not installed');
  await withTemp(async (dir) => {
    const out = join(dir, 'res');
    const r = await runBench(['cli', '--drivers', 'vfs', '--sections', 'startup', '-m', '1', '--startup-runs', '2', '--work', dir, '--out', out]);
    assert.equal(r.code, 0, r.stderr);
    const files = (await readdir(out)).sort();
    for (const f of ['go-vfs-1.tsv', 'ts-vfs-1.tsv', 'go-vfs-1.cli.log', 'ts-vfs-1.cli.log', 'meta.json', 'summary.md', 'startup-vfs-node-bare.json', 'startup-vfs-ours-layers.json', 'startup-vfs-go-layers.json']) {
      assert.ok(files.includes(f), `${f} missing from ${files.join(' ')}`);
    }
    for (const cli of ['go', 'ts']) {
      const tsv = await readFile(join(out, `${cli}-vfs-1.tsv`), 'utf8');
      assert.match(tsv, /^startup\.layers-empty-store\t\d+\.\d+\t\d+$/m, `${cli}: ${tsv}`);
    }
    const summary = await readFile(join(out, 'summary.md'), 'utf8');
    assert.match(summary, /\| startup\.layers-empty-store \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \| [\d.]+ \|/);
    assert.match(summary, /\| vfs \| [\d.]+ ms \| [\d.]+ ms \| [\d.]+ ms \| -?[\d.]+ ms \| 30 ms \| (pass|MISS) \| [\d.]+ ms \/ [\d.]+ ms \/ [\d.]+ ms \|/);
    // the scratch stores are gone and nothing stays mounted below the work dir
    assert.deepEqual((await readdir(dir)).sort(), ['res']);
    assert.ok(!(await readFile('/proc/self/mountinfo', 'utf8')).includes(dir));
  });
});
