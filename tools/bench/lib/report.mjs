// Turns a results dir (go-<driver>-<i>.tsv, ts-<driver>-<i>.tsv, startup-*.json) into the printed
// report: summarize.sh's side-by-side table per driver (ratio column = ours/Go), the goal table and
// the startup table. Also used by `pnpm bench report <dir>` to re-print an earlier run.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { capture } from './proc.mjs';
import { checkRatioGoals, checkStartupGoal, foldRuns, ratioGoalsTable, parseRunTsv } from './index.mjs';

const TSV_NAME = /^(go|ts)-(overlay|vfs)-(\d+)\.tsv$/;

export async function listRunFiles(outDir) {
  const byKey = new Map(); // `${cli}-${driver}` -> [paths]
  for (const f of (await readdir(outDir)).sort()) {
    const m = TSV_NAME.exec(f);
    if (!m) continue;
    const key = `${m[1]}-${m[2]}`;
    byKey.set(key, [...(byKey.get(key) ?? []), join(outDir, f)]);
  }
  return byKey;
}

async function readStartup(outDir, driver, label) {
  try {
    const r = JSON.parse(await readFile(join(outDir, `startup-${driver}-${label}.json`), 'utf8')).results[0];
    return { median: r.median, cpu: r.user + r.system };
  } catch {
    return { median: null, cpu: null };
  }
}

const ms = (s) => (s == null ? 'n/a' : `${(s * 1000).toFixed(1)} ms`);

/** Builds the markdown report; returns { markdown, goalRows }. */
export async function buildReport(outDir, summarizeSh) {
  const files = await listRunFiles(outDir);
  const drivers = ['overlay', 'vfs'].filter((d) => files.has(`go-${d}`) || files.has(`ts-${d}`) || false);
  const parts = [];
  const perDriver = [];
  for (const driver of drivers) {
    const go = files.get(`go-${driver}`) ?? [];
    const ts = files.get(`ts-${driver}`) ?? [];
    const labels = [];
    if (go.length) labels.push(`go-${driver}=${go.join(',')}`);
    if (ts.length) labels.push(`ts-${driver}=${ts.join(',')}`);
    const s = await capture('bash', [summarizeSh, ...labels]);
    if (s.code !== 0) throw Object.assign(new Error(`summarize.sh exited ${s.code} for ${driver}`), { code: 'BENCH_SUMMARIZE' });
    parts.push(`### ${driver}: Go vs ours (seconds per call; last column ts/go = ours/Go)\n\n${s.stdout.trim()}`);
    const fold = async (paths) => foldRuns(await Promise.all(paths.map(async (p) => parseRunTsv(await readFile(p, 'utf8'), p))));
    if (go.length && ts.length) perDriver.push({ driver, rows: checkRatioGoals(await fold(go), await fold(ts)) });
  }
  if (perDriver.length) parts.push(`### Goals (ours/Go of the medians)\n\n${ratioGoalsTable(perDriver)}`);

  // wall time decides the goal; mean CPU time (user+sys) is shown too: it suffers less on a busy machine
  const startupLines = [
    '| driver | node -e 0 | ours `layers` | Go `layers` | ours - node | limit | result | CPU: node -e 0 / ours / Go |',
    '|---|---:|---:|---:|---:|---:|---|---:|',
  ];
  let anyStartup = false;
  for (const driver of ['overlay', 'vfs']) {
    const [bare, ours, go] = await Promise.all(['node-bare', 'ours-layers', 'go-layers'].map((l) => readStartup(outDir, driver, l)));
    if (bare.median == null && ours.median == null && go.median == null) continue;
    anyStartup = true;
    const g = checkStartupGoal(ours.median, bare.median);
    const extra = g.extraMs == null ? 'n/a' : `${g.extraMs.toFixed(1)} ms`;
    startupLines.push(`| ${driver} | ${ms(bare.median)} | ${ms(ours.median)} | ${ms(go.median)} | ${extra} | ${g.limitMs} ms | ${g.status} | ${ms(bare.cpu)} / ${ms(ours.cpu)} / ${ms(go.cpu)} |`);
  }
  if (anyStartup) parts.push(`### Startup: \`layers\` on an empty store (hyperfine medians)\n\n${startupLines.join('\n')}`);
  if (!parts.length) parts.push('(no results in this directory)');
  return { markdown: parts.join('\n\n'), goalRows: perDriver };
}
