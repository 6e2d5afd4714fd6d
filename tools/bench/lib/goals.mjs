// The issue-6 performance goals and their check against folded run.sh results (ours vs Go, one driver).
// A goal is reported as pass / MISS / n/a (no number on one side, e.g. an op FAILed); never thrown.

/** Ratio goals: every op matching `match` must have ours/Go <= maxRatio. */
export const RATIO_GOALS = [
  { name: 'import-layer', maxRatio: 0.5, match: (op) => op.startsWith('import-layer.') },
  { name: 'applydiff', maxRatio: 0.8, match: (op) => op.startsWith('applydiff.') },
  { name: 'diff', maxRatio: 0.8, match: (op) => op.startsWith('diff.') },
  { name: 'changes', maxRatio: 0.8, match: (op) => op.startsWith('changes.') },
  { name: 'mount 50-deep chain', maxRatio: 0.8, match: (op) => op === 'mount.chain50-top' },
];

/** Startup goal: `layers` on an empty store at most this many ms above bare `node -e 0`. */
export const STARTUP_MAX_EXTRA_MS = 30;

/**
 * Checks the ratio goals for one driver. `go` and `ours` are foldRuns() maps.
 * Returns rows { goal, op, go, ours, ratio, limit, status } in RATIO_GOALS order, ops in Go's order.
 */
export function checkRatioGoals(go, ours) {
  const rows = [];
  const ops = [...new Set([...go.keys(), ...ours.keys()])];
  for (const goal of RATIO_GOALS) {
    for (const op of ops.filter(goal.match)) {
      const g = go.get(op)?.seconds ?? null;
      const o = ours.get(op)?.seconds ?? null;
      const ratio = g !== null && o !== null && g > 0 ? o / g : null;
      const status = ratio === null ? 'n/a' : ratio <= goal.maxRatio ? 'pass' : 'MISS';
      rows.push({ goal: goal.name, op, go: g, ours: o, ratio, limit: goal.maxRatio, status });
    }
  }
  return rows;
}

/** Startup goal from two medians in seconds (ours `layers`, bare `node -e 0`). */
export function checkStartupGoal(oursLayersS, nodeBareS) {
  if (oursLayersS == null || nodeBareS == null) return { extraMs: null, limitMs: STARTUP_MAX_EXTRA_MS, status: 'n/a' };
  const extraMs = (oursLayersS - nodeBareS) * 1000;
  return { extraMs, limitMs: STARTUP_MAX_EXTRA_MS, status: extraMs <= STARTUP_MAX_EXTRA_MS ? 'pass' : 'MISS' };
}

export function fmtSeconds(v) {
  if (v == null) return 'FAIL';
  return v >= 10 ? v.toFixed(2) : v >= 1 ? v.toFixed(3) : v.toFixed(4);
}

/** Markdown table of checkRatioGoals rows for several drivers: [{ driver, rows }]. */
export function ratioGoalsTable(perDriver) {
  if (perDriver.every((d) => d.rows.length === 0)) return '(no op of a goal in the sections that ran)';
  const lines = ['| goal | op | driver | Go s | ours s | ours/Go | limit | result |', '|---|---|---|---:|---:|---:|---:|---|'];
  for (const { driver, rows } of perDriver) {
    for (const r of rows) {
      lines.push(`| ${r.goal} | ${r.op} | ${driver} | ${fmtSeconds(r.go)} | ${fmtSeconds(r.ours)} | ${r.ratio == null ? '-' : r.ratio.toFixed(2)} | ${r.limit} | ${r.status} |`);
    }
  }
  return lines.join('\n');
}
