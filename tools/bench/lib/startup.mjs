// The startup goal: hyperfine of bare `node -e 0`, our `layers` and the Go CLI's `layers` on an
// empty (initialised) store, per driver. Each command gets its own hyperfine run so that one failing
// command yields "n/a" for it instead of aborting the others.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './proc.mjs';
import { makeScratch, removeScratch } from './scratch.mjs';

// hyperfine -N splits its command with shell-word rules: quote what is not plainly safe
const shellWord = (a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`);

async function hyperfine(label, command, { runs, jsonPath, logStream }) {
  const args = ['-N', '--warmup', '3', '--runs', String(runs), '--style', 'none', '--export-json', jsonPath, command];
  let r;
  try {
    r = await run('hyperfine', args, { stdio: 'pipe-to', stdout: logStream, stderr: logStream });
  } catch (err) {
    return { label, command, error: `hyperfine did not start: ${err.message}` };
  }
  if (r.code !== 0) return { label, command, error: `hyperfine exited ${r.code ?? r.signal} (the command failed?)` };
  const result = JSON.parse(await readFile(jsonPath, 'utf8')).results[0];
  return { label, command, median: result.median, mean: result.mean, min: result.min, max: result.max, runs: result.times.length };
}

/**
 * Measures startup for one driver; returns [{ label, command, median?, error? }] for
 * node-bare, ours-layers, go-layers. `ours` and `go` are argv arrays of the CLIs.
 */
export async function measureStartup({ driver, ours, go, workDir, outDir, runs, logStream }) {
  const scratch = await makeScratch(workDir);
  try {
    const store = (name) => ['--graph', join(scratch, name, 'graph'), '--run', join(scratch, name, 'run'), '--storage-driver', driver];
    const cmds = [
      ['node-bare', [process.execPath, '-e', '0']],
      ['ours-layers', [...ours, ...store('ours'), 'layers']],
      ['go-layers', [...go, ...store('go'), 'layers']],
    ];
    // initialise both stores first: the goal is about an empty store, not about creating one
    for (const [, argv] of cmds.slice(1)) await run(argv[0], argv.slice(1), { stdio: 'ignore' });
    const results = [];
    for (const [label, argv] of cmds) {
      const jsonPath = join(outDir, `startup-${driver}-${label}.json`);
      results.push(await hyperfine(label, argv.map(shellWord).join(' '), { runs, jsonPath, logStream }));
    }
    return results;
  } finally {
    await removeScratch(scratch);
  }
}
