// Reading run.sh output: one line per op, `op <TAB> seconds|FAIL <TAB> peak_rss_kib|-`.
// Several runs of one CLI+driver are folded into the median of the per-run medians, as summarize.sh does.

export class BenchParseError extends Error {
  code = 'BENCH_PARSE';
  constructor(message) {
    super(message);
    this.name = 'BenchParseError';
  }
}

/** Parses one run.sh TSV text into a Map op -> { seconds: number|null (null = FAIL), rssKib: number|null }. */
export function parseRunTsv(text, source = 'tsv') {
  const ops = new Map();
  text.split('\n').forEach((line, i) => {
    if (line === '' || line.startsWith('#')) return;
    const [op, secs, rss, ...rest] = line.split('\t');
    if (!op || secs === undefined || rest.length > 0) throw new BenchParseError(`${source}:${i + 1}: not an "op<TAB>seconds<TAB>rss" line: ${JSON.stringify(line)}`);
    let seconds = null;
    if (secs !== 'FAIL') {
      seconds = Number(secs);
      if (!/^\d+(\.\d+)?$/.test(secs) || !Number.isFinite(seconds)) throw new BenchParseError(`${source}:${i + 1}: bad seconds ${JSON.stringify(secs)}`);
    }
    const rssKib = rss !== undefined && /^\d+$/.test(rss) ? Number(rss) : null;
    ops.set(op, { seconds, rssKib });
  });
  return ops;
}

export function median(values) {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Folds several parsed runs: Map op -> { seconds: median of the non-FAIL runs or null, fails, runs }. */
export function foldRuns(runs) {
  const out = new Map();
  for (const r of runs) {
    for (const [op, v] of r) {
      const e = out.get(op) ?? { values: [], fails: 0 };
      if (v.seconds === null) e.fails++;
      else e.values.push(v.seconds);
      out.set(op, e);
    }
  }
  return new Map([...out].map(([op, e]) => [op, { seconds: median(e.values), fails: e.fails, runs: e.values.length + e.fails }]));
}
