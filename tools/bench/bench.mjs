#!/usr/bin/env node
// `pnpm bench`: benchmarks that report, never fail the build (exit 0 even when a goal is missed;
// non-zero only when the harness itself breaks).
//
//   pnpm bench                      package benchmarks, then the CLI comparison with defaults
//   pnpm bench packages [filter]    packages/*/bench/*.mjs (filter on the package name)
//   pnpm bench cli [options]        ../shared/bench/run.sh for the Go CLI and ours, side by side
//   pnpm bench report <dir>         re-print the report of an earlier results dir
//   pnpm bench <filter>             old form of `pnpm bench packages <filter>`
//
// cli options: -n N (heavy reps, default 1) -m M (cheap reps, default 3) -r RUNS (run.sh runs per
// CLI and driver, default 1) --drivers overlay,vfs --sections startup,import,data,chain,meta,floors
// --work DIR (default /dev/shm) --data DIR (default $CS_BENCH_DATA or /var/tmp/bench-data)
// --startup-runs K (hyperfine runs, default 20; 0 skips) --out DIR (default tools/bench/results/<time>)
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { compareClis } from './lib/cli-compare.mjs';
import { runPackageBenches } from './lib/packages.mjs';
import { buildReport } from './lib/report.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const scriptsDir = resolve(process.env.CS_BENCH_SCRIPTS ?? join(root, '..', 'shared', 'bench'));

function usage(msg, code = 2) {
  if (msg) console.error(`bench: ${msg}`);
  console.error('usage: pnpm bench [packages [filter] | cli [-n N] [-m M] [-r RUNS] [--drivers LIST] [--sections LIST] [--work DIR] [--data DIR] [--startup-runs K] [--out DIR] | report DIR]');
  process.exit(code);
}

const positiveInt = (name, v, min = 1) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) usage(`${name} must be an integer >= ${min}, got ${JSON.stringify(v)}`);
  return n;
};

function cliOptions(argv) {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      options: {
        n: { type: 'string', short: 'n', default: '1' },
        m: { type: 'string', short: 'm', default: '3' },
        r: { type: 'string', short: 'r', default: '1' },
        drivers: { type: 'string', default: 'overlay,vfs' },
        sections: { type: 'string' },
        work: { type: 'string', default: '/dev/shm' },
        data: { type: 'string', default: process.env.CS_BENCH_DATA || '/var/tmp/bench-data' },
        'startup-runs': { type: 'string', default: '20' },
        out: { type: 'string' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (err) {
    usage(err.message);
  }
  const drivers = values.drivers.split(',').filter(Boolean);
  for (const d of drivers) if (d !== 'overlay' && d !== 'vfs') usage(`unknown driver ${JSON.stringify(d)} (overlay, vfs)`);
  if (!drivers.length) usage('--drivers is empty');
  const known = ['startup', 'import', 'data', 'chain', 'meta', 'floors'];
  if (values.sections) for (const s of values.sections.split(',')) if (!known.includes(s)) usage(`unknown section ${JSON.stringify(s)} (${known.join(', ')})`);
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const oursJs = join(root, 'packages', 'cli', 'dist', 'cli.js');
  return {
    root,
    scriptsDir,
    runSh: join(scriptsDir, 'run.sh'),
    summarizeSh: join(scriptsDir, 'summarize.sh'),
    oursJs,
    // absolute paths: pnpm puts our CLI first on PATH as `containers-storage`
    oursCmd: `${process.execPath} ${oursJs}`,
    goBin: process.env.CS_GO_CLI || '/usr/bin/containers-storage',
    n: positiveInt('-n', values.n),
    m: positiveInt('-m', values.m),
    runs: positiveInt('-r', values.r),
    startupRuns: positiveInt('--startup-runs', values['startup-runs'], 0),
    drivers,
    sections: values.sections,
    workDir: resolve(values.work),
    dataDir: resolve(values.data),
    outDir: resolve(values.out ?? join(here, 'results', stamp)),
  };
}

async function cli(argv) {
  const r = await compareClis(cliOptions(argv));
  return r.broken ? 1 : 0;
}

async function main(argv) {
  const [sub, ...rest] = argv;
  switch (sub) {
    case undefined:
      await runPackageBenches(root);
      console.log('\n=== CLI comparison (pnpm bench cli)');
      return cli([]);
    case 'packages':
      if (rest.length > 1) usage('packages takes at most one filter');
      await runPackageBenches(root, rest[0] ?? '');
      return 0;
    case 'cli':
      return cli(rest);
    case 'report': {
      if (rest.length !== 1) usage('report takes one results dir');
      const { markdown } = await buildReport(resolve(rest[0]), join(scriptsDir, 'summarize.sh'));
      console.log(markdown);
      return 0;
    }
    case '-h':
    case '--help':
      return usage(undefined, 0);
    default:
      if (sub.startsWith('-') || rest.length) usage(`unknown subcommand ${JSON.stringify(sub)}`);
      await runPackageBenches(root, sub);
      return 0;
  }
}

// an await that can never settle would let node exit 0 with work undone: count that as broken
let settled = false;
process.on('beforeExit', () => {
  if (!settled) {
    console.error('bench: internal error: the harness stopped before finishing');
    process.exit(1);
  }
});
main(process.argv.slice(2)).then(
  (code) => {
    settled = true;
    process.exit(code);
  },
  (err) => {
    settled = true;
    console.error(`bench: ${err.code ? `${err.code}: ` : ''}${err.message}`);
    process.exit(1);
  },
);
