// Unit tests of the result parsing and the goal checks (node --test tools/bench/test/).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BenchParseError, checkRatioGoals, checkStartupGoal, foldRuns, median, parseRunTsv, ratioGoalsTable } from '../lib/index.mjs';

test('parseRunTsv reads seconds, FAIL and RSS', () => {
  const r = parseRunTsv('import-layer.base.tar\t1.500000\t27000\ndiff.base.gzip\tFAIL\t-\n\n');
  assert.deepEqual(r.get('import-layer.base.tar'), { seconds: 1.5, rssKib: 27000 });
  assert.deepEqual(r.get('diff.base.gzip'), { seconds: null, rssKib: null });
  assert.equal(r.size, 2);
});

test('parseRunTsv rejects lines that are not run.sh output', () => {
  assert.throws(() => parseRunTsv('just-an-op\n', 'x.tsv'), (e) => e instanceof BenchParseError && e.code === 'BENCH_PARSE' && /x\.tsv:1/.test(e.message));
  assert.throws(() => parseRunTsv('op\tfast\t1\n'), BenchParseError);
  assert.throws(() => parseRunTsv('op\t-1\t1\n'), BenchParseError);
  assert.throws(() => parseRunTsv('op\t1\t2\textra\n'), BenchParseError);
});

test('median of odd, even and empty lists', () => {
  assert.equal(median([3, 1, 2]), 2);
  assert.equal(median([4, 1, 3, 2]), 2.5);
  assert.equal(median([]), null);
});

test('foldRuns takes the median of the runs and counts FAILs', () => {
  const runs = [parseRunTsv('a\t1\t-\nb\tFAIL\t-\n'), parseRunTsv('a\t3\t-\nb\t2\t-\n'), parseRunTsv('a\t2\t-\nb\tFAIL\t-\n')];
  const f = foldRuns(runs);
  assert.deepEqual(f.get('a'), { seconds: 2, fails: 0, runs: 3 });
  assert.deepEqual(f.get('b'), { seconds: 2, fails: 2, runs: 3 });
  assert.deepEqual(foldRuns([parseRunTsv('c\tFAIL\t-\n')]).get('c'), { seconds: null, fails: 1, runs: 1 });
});

test('checkRatioGoals marks pass, MISS and n/a per op against its limit', () => {
  const go = foldRuns([parseRunTsv('import-layer.base.tar\t2\t-\nimport-layer.small.tar\t4\t-\ndiff.base.gzip\t1\t-\nchanges.base\t1\t-\nmount.chain50-top\t0.01\t-\nunmount.chain50-top\t0.01\t-\ndiffsize.base\t1\t-\n')]);
  const ours = foldRuns([parseRunTsv('import-layer.base.tar\t1\t-\nimport-layer.small.tar\t2.4\t-\ndiff.base.gzip\t0.8\t-\nchanges.base\tFAIL\t-\nmount.chain50-top\t0.5\t-\nunmount.chain50-top\t9\t-\ndiffsize.base\t9\t-\n')]);
  const rows = checkRatioGoals(go, ours);
  const byOp = Object.fromEntries(rows.map((r) => [r.op, r]));
  assert.equal(byOp['import-layer.base.tar'].status, 'pass'); // exactly 0.5
  assert.equal(byOp['import-layer.small.tar'].status, 'MISS'); // 0.6 > 0.5
  assert.equal(byOp['diff.base.gzip'].status, 'pass'); // exactly 0.8
  assert.equal(byOp['changes.base'].status, 'n/a');
  assert.equal(byOp['mount.chain50-top'].status, 'MISS');
  assert.equal(byOp['mount.chain50-top'].ratio, 50);
  // no goal for unmount or diffsize
  assert.equal(byOp['unmount.chain50-top'], undefined);
  assert.equal(byOp['diffsize.base'], undefined);
  assert.deepEqual(rows.map((r) => r.goal), ['import-layer', 'import-layer', 'diff', 'changes', 'mount 50-deep chain']);
  const table = ratioGoalsTable([{ driver: 'vfs', rows }]);
  assert.match(table, /\| import-layer \| import-layer\.small\.tar \| vfs \| 4\.000 \| 2\.400 \| 0\.60 \| 0\.5 \| MISS \|/);
  assert.match(table, /\| changes \| changes\.base \| vfs \| 1\.000 \| FAIL \| - \| 0\.8 \| n\/a \|/);
  assert.equal(ratioGoalsTable([{ driver: 'vfs', rows: [] }]), '(no op of a goal in the sections that ran)');
});

test('checkStartupGoal compares against node -e 0 plus 30 ms', () => {
  assert.equal(checkStartupGoal(0.119, 0.09).status, 'pass');
  const miss = checkStartupGoal(0.2, 0.09);
  assert.equal(miss.status, 'MISS');
  assert.ok(Math.abs(miss.extraMs - 110) < 1e-9);
  assert.equal(checkStartupGoal(null, 0.09).status, 'n/a');
  assert.equal(checkStartupGoal(0.1, undefined).status, 'n/a');
});
