// `pnpm bench cli`: the shared workload (run.sh) for the Go CLI and ours, alternating, per driver,
// then the startup measurement, then the report. Results land in a fresh results dir.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { access, copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { once } from 'node:events';
import { finished, pipeline } from 'node:stream/promises';
import { capture } from './proc.mjs';
import { buildReport } from './report.mjs';
import { removeScratch } from './scratch.mjs';
import { measureStartup } from './startup.mjs';

export class HarnessError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'HarnessError';
    this.code = code;
  }
}

const exists = (p) => access(p).then(() => true, () => false);

/** run.sh once; stdout -> tsvPath, stderr -> logPath and our stderr, the CLI's stderr -> cliLogPath. Returns the exit code. */
async function runOnce(o, cliCmd, driver, tsvPath, logPath, cliLogPath) {
  const out = createWriteStream(tsvPath);
  const log = createWriteStream(logPath);
  // -k keeps run.sh's scratch dir so that the CLI's stderr (cli.log) can be saved; the stores are
  // removed right after (run.sh has already unmounted everything below it)
  const args = [o.runSh, '-k', '-d', o.dataDir, '-w', o.workDir, '-n', String(o.n), '-m', String(o.m)];
  let scratch = null;
  const scratchLine = /scratch dir (\S+) \(/;
  if (o.sections) args.push('-s', o.sections);
  args.push(cliCmd, driver);
  const child = spawn('bash', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  const saved = pipeline(child.stdout, out);
  // progress lines go to the terminal and to the log
  child.stderr.on('data', (c) => {
    process.stderr.write(c);
    log.write(c);
    scratch ??= scratchLine.exec(c.toString())?.[1] ?? null;
  });
  const [code, signal] = await once(child, 'close');
  log.end();
  await Promise.all([saved, finished(log)]);
  if (scratch && dirname(scratch) === o.workDir && basename(scratch).startsWith('cs-bench.')) {
    await copyFile(join(scratch, 'cli.log'), cliLogPath).catch(() => {});
    await removeScratch(scratch);
  }
  return code ?? (signal ? 128 : 1);
}

export async function compareClis(o) {
  if (!(await exists(o.runSh))) throw new HarnessError('BENCH_NO_RUNSH', `run.sh not found at ${o.runSh} (set CS_BENCH_SCRIPTS)`);
  if (!(await exists(o.oursJs))) throw new HarnessError('BENCH_NO_CLI', `our CLI is not built: ${o.oursJs} missing (cd packages/cli && pnpm run build)`);
  if (!(await exists(o.goBin))) throw new HarnessError('BENCH_NO_GO', `Go CLI not found at ${o.goBin}`);
  if (!(await exists(join(o.dataDir, 'base.tar')))) {
    console.log(`bench data not found in ${o.dataDir} (set CS_BENCH_DATA; make it with ${o.scriptsDir}/make-data.sh): skipping the CLI comparison`);
    return { skipped: true, broken: false };
  }
  if (process.geteuid?.() !== 0) console.log('note: not root: overlay mounts and owner restoring will fail in run.sh');

  await mkdir(o.outDir, { recursive: true });
  const head = await capture('git', ['-C', o.root, 'rev-parse', '--short', 'HEAD']);
  const dirty = await capture('git', ['-C', o.root, 'status', '--porcelain', '--', 'packages']);
  const meta = {
    date: new Date().toISOString(),
    commit: head.stdout.trim(),
    packagesDirty: dirty.stdout.trim() !== '',
    loadavgStart: (await readFile('/proc/loadavg', 'utf8')).trim(),
    node: process.version,
    ours: o.oursCmd,
    go: o.goBin,
    drivers: o.drivers,
    n: o.n,
    m: o.m,
    runs: o.runs,
    sections: o.sections ?? 'all',
    workDir: o.workDir,
    dataDir: o.dataDir,
  };
  await writeFile(join(o.outDir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);
  console.log(`results in ${o.outDir} (commit ${meta.commit}${meta.packagesDirty ? ', packages/ has uncommitted changes' : ''}, load ${meta.loadavgStart})`);

  let broken = false;
  for (let i = 1; i <= o.runs; i++) {
    for (const driver of o.drivers) {
      // alternate who goes first so a slow phase of the machine does not always hit the same CLI
      const order = i % 2 ? [['go', o.goBin], ['ts', o.oursCmd]] : [['ts', o.oursCmd], ['go', o.goBin]];
      for (const [label, cmd] of order) {
        console.log(`\n=== run ${i}/${o.runs}: ${label} ${driver}`);
        const base = join(o.outDir, `${label}-${driver}-${i}`);
        const code = await runOnce(o, cmd, driver, `${base}.tsv`, `${base}.log`, `${base}.cli.log`);
        if (code !== 0) {
          console.log(`run.sh exited ${code} for ${label} ${driver} (see ${base}.log)`);
          broken = true;
        }
      }
    }
  }

  if (o.startupRuns > 0) {
    const log = createWriteStream(join(o.outDir, 'startup.log'));
    for (const driver of o.drivers) {
      console.log(`\n=== startup (hyperfine, ${o.startupRuns} runs): ${driver}`);
      const results = await measureStartup({ driver, ours: [process.execPath, o.oursJs], go: [o.goBin], workDir: o.workDir, outDir: o.outDir, runs: o.startupRuns, logStream: log });
      for (const r of results) if (r.error) console.log(`startup ${r.label}: ${r.error}`);
    }
    log.end();
    await finished(log);
  }
  meta.loadavgEnd = (await readFile('/proc/loadavg', 'utf8')).trim();
  await writeFile(join(o.outDir, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`);

  const { markdown } = await buildReport(o.outDir, o.summarizeSh);
  await writeFile(join(o.outDir, 'summary.md'), `${markdown}\n`);
  console.log(`\n${markdown}\n\n(summary saved to ${join(o.outDir, 'summary.md')}; load ${meta.loadavgStart} -> ${meta.loadavgEnd})`);
  return { skipped: false, broken };
}
