import { execFileSync } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DRIVERS, GO_CLI, haveGo, tempStore, type Result, type TempStore } from './helpers.js';
import { ours as oursCLI, runWithInput } from './layer-run.js';

if (!haveGo) console.warn(`skipping the layer-command comparison with the Go CLI: ${GO_CLI} is not installed`);

type Tool = (args: string[], input?: string | Buffer) => Promise<Result>;

/** What may differ between two runs: store paths, generated IDs, creation times. */
function normalise(r: Result, dirs: readonly string[]): Result {
  const n = (t: string): string =>
    dirs
      .reduce((acc, d) => acc.split(d).join('<dir>'), t)
      .replace(/[0-9a-f]{64}/g, '<id>')
      .replace(/"created":"[^"]+"/g, '"created":"<t>"')
      .replace(/time="[^"]+"/g, 'time="<t>"');
  return { status: r.status, stdout: n(r.stdout), stderr: n(r.stderr) };
}

/** Change lists come in the driver's walk order: compare them sorted. */
function sortLines(r: Result): Result {
  return { ...r, stdout: r.stdout.split('\n').filter(Boolean).sort().join('\n') };
}
function sortJSONChanges(r: Result): Result {
  const list = JSON.parse(r.stdout) as Array<{ Path: string }> | null;
  return { ...r, stdout: JSON.stringify(list?.sort((a, b) => (a.Path < b.Path ? -1 : 1)) ?? null) };
}

interface Step {
  args: string[];
  input?: string | Buffer;
  /** Compare stderr too (off where our library's wording is known to differ). */
  stderr?: boolean;
  post?: (r: Result) => Result;
}

/**
 * One script of layer commands. Every step runs against the Go tool's store and ours (each its
 * own store, same layout), and the results must match after normalising.
 */
function script(dir: string, driver: string): Step[] {
  // Go's overlay stores no ID maps on layers when the kernel can shift IDs at mount time (idmapped
  // mounts); our Store keeps them (reported to the store owner), so mapped layers are compared on vfs only.
  const mapped = driver === 'vfs' ? ['mapped'] : [];
  const sampleTar = path.join(dir, 'sample.tar');
  const upperTar = path.join(dir, 'upper.tar');
  return [
    { args: ['create-layer', '--id', 'base', '-n', 'b1'], stderr: true },
    { args: ['create-layer', '--json', '--id', 'top', '-n', 'toplayer', '-n', 'alias', 'b1'], stderr: true },
    { args: ['create-layer', '--hostuidmap', '--uidmap', '0:1:1'], stderr: true },
    { args: ['create-layer', '--gidmap', '1:2'], stderr: true },
    { args: ['create-layer', 'nosuch'], stderr: true },
    ...mapped.map((id) => ({ args: ['create-layer', '--id', id, '--uidmap', '0:100000:65536', '--gidmap', '0:100000:65536', 'top'], stderr: true })),
    { args: ['import-layer', '--id', 'imp', '-n', 'imported', '-f', `${sampleTar}.gz`, 'base'], stderr: true },
    { args: ['importlayer', '--json', 'top'], input: 'SAMPLE', stderr: true },
    { args: ['import-layer', '-f', path.join(dir, 'missing')], stderr: true },
    { args: ['layer', 'base', 'top', 'imported', ...mapped, 'nosuch'], stderr: true },
    { args: ['layer', '--json', 'imp', ...mapped], stderr: true },
    { args: ['layers'], stderr: true },
    { args: ['layers', '-t'], stderr: true },
    { args: ['layers', '--json'], stderr: true },
    { args: ['set-layer-data', 'b1', 'k1'], input: 'hello\n', stderr: true },
    { args: ['list-layer-data', 'base'], stderr: true },
    { args: ['list-layer-data', '--json', 'top'], stderr: true },
    { args: ['get-layer-data', 'base', 'k1'], stderr: true },
    { args: ['get-layer-data', 'base', 'k2'], stderr: true },
    { args: ['changes', 'imp'], stderr: true, post: sortLines },
    { args: ['changes', '--json', 'imported'], stderr: true, post: sortJSONChanges },
    { args: ['changes', 'base'], stderr: true },
    // Names that need Go %q escapes: invalid UTF-8, newline, tab, a non-printable rune.
    { args: ['import-layer', '--id', 'odd', '-f', path.join(dir, 'odd.tar')], stderr: true },
    { args: ['changes', 'odd'], stderr: true, post: sortLines },
    { args: ['changes', '--json', 'odd'], stderr: true, post: sortJSONChanges },
    { args: ['diffsize', 'imp'], stderr: true },
    { args: ['diff', '-u', 'imp'], stderr: true, post: (r) => ({ ...r, stdout: String(r.stdout.length) }) },
    { args: ['diff', '-x', 'imp'], stderr: true },
    { args: ['diff', '--bzip2', 'imp'], stderr: true },
    { args: ['diff', 'nosuch'], stderr: true },
    { args: ['applydiff', '-f', upperTar, 'top'], stderr: true },
    { args: ['changes', 'top'], stderr: true, post: sortLines },
    { args: ['diffsize', 'top'], stderr: true },
    { args: ['applydiff', 'nosuch'], input: '', stderr: true },
    { args: ['applydiff', 'top'], input: 'JUNK' },
    { args: ['mount', 'base', 'nosuch'], stderr: true },
    { args: ['mount', '--json', 'base'], stderr: true },
    { args: ['mounted', 'base', 'nosuch'], stderr: true },
    { args: ['layer-parent-owners', 'base', 'nosuch'], stderr: true },
    { args: ['layer-parent-owners', '--json', 'base'], stderr: true },
    { args: ['unmount', 'base'], stderr: true },
    { args: ['unmount', '--json', 'base', 'nosuch'], stderr: true },
    { args: ['mounted', '--json', 'base'], stderr: true },
    { args: ['delete-layer', '--json', 'nosuch', 'imp'], stderr: true },
    { args: ['delete-layer', 'base'], stderr: true },
    { args: ['layers', '-t'], stderr: true },
  ];
}

describe.each(haveGo ? DRIVERS : [])('layer commands match the Go CLI on %s', (driver) => {
  let goStore: TempStore;
  let ours: TempStore;
  beforeEach(async () => {
    goStore = await tempStore(driver);
    ours = await tempStore(driver);
  });
  afterEach(async () => {
    await runWithInput(GO_CLI, [...goStore.flags, 'shutdown', '-f']);
    await goStore.cleanup();
    await ours.cleanup();
  });

  it('same stdout, stderr and status for the script', async () => {
    // One set of input files, in the Go store's dir (paths are normalised per store dir anyway).
    const dir = goStore.dir;
    execFileSync('sh', [
      '-c',
      `set -e; cd ${dir}; mkdir -p s/d u/d; printf hello > s/d/f1; printf 'a"b' > 's/f 2'; ln -s d/f1 s/link; printf new > u/d/f3; : > u/.wh.link
       tar --numeric-owner --owner=0 --group=0 -C s -cf sample.tar d 'f 2' link; gzip -k sample.tar
       tar --numeric-owner --owner=0 --group=0 -C u -cf upper.tar d/f3 .wh.link
       mkdir odd; cd odd; printf a > "$(printf 'f\\377x')"; printf b > "$(printf 'new\\nline')"; printf c > "$(printf 'tab\\there \\303\\251')"; printf d > "$(printf 'soft\\302\\255hy')"
       tar --numeric-owner --owner=0 --group=0 -cf ../odd.tar .`,
    ]);
    const sample = await readFile(path.join(dir, 'sample.tar'));
    const tools: Record<'go' | 'ts', { tool: Tool; dir: string }> = {
      go: { tool: (args, input) => runWithInput(GO_CLI, [...goStore.flags, ...args], input), dir: goStore.dir },
      ts: { tool: (args, input) => oursCLI([...ours.flags, ...args], input), dir: ours.dir },
    };
    for (const step of script(dir, driver)) {
      const input = step.input === 'SAMPLE' ? sample : step.input;
      const [g, t] = [await tools.go.tool(step.args, input), await tools.ts.tool(step.args, input)];
      let [gn, tn] = [normalise(g, [tools.go.dir]), normalise(t, [tools.ts.dir, tools.go.dir])];
      if (step.post) [gn, tn] = [step.post(gn), step.post(tn)];
      if (!step.stderr) [gn.stderr, tn.stderr] = ['', ''];
      expect({ step: step.args.join(' '), ...tn }).toEqual({ step: step.args.join(' '), ...gn });
    }
  });
});

describe.skipIf(!haveGo)('layer command help matches the Go CLI', () => {
  // Options only HEAD has (cli.md §5): dropped from our output before comparing with 1.43.
  const HEAD_ONLY = /^ {2}--(image-store|transient-store|unshare|quick)\b.*\n/gm;
  it.each(['import-layer', 'layers', 'mount', 'unmount', 'diff', 'applydiff', 'delete-layer', 'get-layer-data'])('%s --help', async (cmd) => {
    const [g, t] = await Promise.all([runWithInput(GO_CLI, [cmd, '--help']), oursCLI([cmd, '--help'])]);
    const strip = (r: Result): Result => ({ ...r, stderr: r.stderr.replace(HEAD_ONLY, '').replace(/--read-only, (--ro, -r +)/, (_, rest: string) => `${rest}${' '.repeat(13)}`) });
    expect(strip(t)).toEqual(g);
  });
});
