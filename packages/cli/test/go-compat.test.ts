import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cs, DRIVERS, GO_CLI, haveGo, runBinary, tempStore, type Result, type TempStore } from './helpers.js';

// Run through $PATH like a script would: Go prints its argv[0] in "See '… --help'." lines.
const GO_NAME = 'containers-storage';
// Under pnpm/vitest, PATH starts with node_modules/.bin, where OUR CLI is linked under the same name:
// look the name up in the system directories only, so the comparison really runs Go's binary.
const GO_ENV = { ...process.env, PATH: `${path.dirname(GO_CLI)}:/usr/sbin:/usr/bin:/sbin:/bin` };
if (!haveGo) console.warn(`skipping the comparison with the Go CLI: ${GO_CLI} is not installed`);

/** Runs the same command line against the Go tool and ours; both see the same store unless `other` is given. */
async function both(s: TempStore, args: string[], other?: TempStore): Promise<{ go: Result; ts: Result }> {
  const go = await runBinary(GO_NAME, [...s.flags, ...args], { env: GO_ENV });
  const ts = await cs([...(other ?? s).flags, ...args]);
  if (other) {
    ts.stdout = ts.stdout.split(other.dir).join(s.dir);
    ts.stderr = ts.stderr.split(other.dir).join(s.dir);
  }
  return { go, ts };
}

/** Output whose line order is Go map order (exists, delete): compared as sorted lines. */
function sortedLines(r: Result): Result {
  const sort = (t: string): string => t.split('\n').filter((l) => l !== '').sort().join('\n');
  return { status: r.status, stdout: sort(r.stdout), stderr: sort(r.stderr) };
}

function go(s: TempStore, ...args: string[]): string {
  return execFileSync(GO_CLI, [...s.flags, ...args], { encoding: 'utf8' });
}

/** A store made by the Go tool: layers base ← top, image img1 on top, container ctr1 on img1. */
function populateWithGo(s: TempStore): { base: string; top: string; image: string; container: string } {
  const base = go(s, 'create-layer', '-n', 'base').split('\n')[0]!;
  const top = go(s, 'create-layer', '-n', 'top', base).split('\n')[0]!;
  const image = go(s, 'create-image', '-n', 'img1', '-m', 'image metadata', top).split('\n')[0]!;
  const container = go(s, 'create-container', '-n', 'ctr1', '-m', 'ctr metadata', image).split('\t')[0]!.trim();
  go(s, 'set-metadata', '-m', 'base metadata\n', base);
  go(s, 'shutdown');
  return { base, top, image, container };
}

/** A second store with the same content (same IDs), so mutating commands can run once per tool. */
async function copyOf(s: TempStore): Promise<TempStore> {
  const copy = await tempStore(s.driver);
  execFileSync('rm', ['-rf', copy.graph, copy.run]);
  execFileSync('cp', ['-a', s.graph, copy.graph]);
  return copy;
}

describe.skipIf(!haveGo).each(DRIVERS)('mutations and shutdown: same output as Go containers-storage 1.43 on %s', (driver) => {
  let s: TempStore;
  let ids: ReturnType<typeof populateWithGo>;
  const extra: TempStore[] = [];
  beforeEach(async () => {
    s = await tempStore(driver);
    ids = populateWithGo(s);
  });
  afterEach(async () => {
    for (const t of extra.splice(0)) await t.cleanup();
    await s.cleanup();
  });

  it('mutating commands leave the same store: set-metadata, set-names, add-names, delete, wipe', async () => {
    const copy = await copyOf(s);
    extra.push(copy);
    const steps = [
      ['set-metadata', '-m', 'changed', 'top'],
      ['set-names', '-n', 'x', '-n', 'y', '-n', 'x', 'img1'],
      // 1.43 appended added names, HEAD (and we) put them first: compare on a name-less item.
      ['set-names', ids.base],
      ['add-names', '-n', 'first', '-n', 'second', ids.base],
      ['set-names', '--json', '-n', 'moved', '-n', 'base', 'top'],
      ['delete', 'ctr1', 'nosuch'],
      ['delete', '--json', 'x', 'gone'],
    ];
    for (const args of steps) {
      const r = await both(s, args, copy);
      if (args[0] === 'delete' && !args.includes('--json')) expect(sortedLines(r.ts), args.join(' ')).toEqual(sortedLines(r.go));
      else expect(r.ts, args.join(' ')).toEqual(r.go);
      // Compare the resulting state through the Go tool's own listings.
      for (const list of [['layers', '--json'], ['images', '--json'], ['containers', '--json']]) {
        const a = JSON.parse(go(s, ...list) || 'null');
        const b = JSON.parse(go(copy, ...list) || 'null');
        expect(b, `${list[0]} after ${args.join(' ')}`).toEqual(a);
      }
    }
    const w = await both(s, ['wipe', '--json'], copy);
    expect(w.ts).toEqual(w.go);
    expect(go(copy, 'layers')).toBe('');
    expect(go(copy, 'images')).toBe('');
  });

  it('shutdown with a mounted container fails the same way', async () => {
    go(s, 'mount', 'ctr1');
    const r = await both(s, ['shutdown']);
    expect(r.ts).toEqual(r.go);
    const j = await both(s, ['shutdown', '--json']);
    expect(j.ts).toEqual(j.go);
    go(s, 'unmount', 'ctr1');
    const ok = await both(s, ['shutdown', '--json']);
    expect(ok.ts).toEqual(ok.go);
  });

  it('store options: the same "error initializing" lines', async () => {
    const dir = path.join(s.dir, 'x');
    for (const args of [
      ['-s', 'vfs', 'status'],
      ['--storage-opt', 'vfs.bogus=1', '-g', dir, '-R', `${dir}r`, '-s', 'vfs', 'status'],
    ]) {
      const g = await runBinary(GO_NAME, args, { env: GO_ENV });
      const t = await cs(args);
      expect(t, args.join(' ')).toEqual(g);
    }
  });

  it('a missing $CONTAINERS_STORAGE_CONF fails every command the same way, flags or not', async () => {
    const missing = path.join(s.dir, 'no-such-storage.conf');
    for (const args of [['layers'], ['version'], [...s.flags, 'layers']]) {
      const g = await runBinary(GO_NAME, args, { env: { ...GO_ENV, CONTAINERS_STORAGE_CONF: missing } });
      const t = await cs(args, { env: { ...process.env, CONTAINERS_STORAGE_CONF: missing } });
      expect(t, args.join(' ')).toEqual(g);
      expect(t.stdout).toBe(`error initializing: stat ${missing}: no such file or directory\n`);
    }
  });
});

// Lookups and their output formats do not depend on the driver (the driver-specific commands
// above run on both): compared on vfs only, to keep the suite's process count down.
describe.skipIf(!haveGo)('read-only commands print the same as Go containers-storage 1.43 (vfs)', () => {
  let s: TempStore;
  let ids: ReturnType<typeof populateWithGo>;
  beforeEach(async () => {
    s = await tempStore('vfs');
    ids = populateWithGo(s);
  });
  afterEach(async () => {
    await s.cleanup();
  });

  it('read-only commands: exists, metadata, get-names, status', async () => {
    const sorted = [
      ['exists', 'top', 'img1', 'ctr1', 'nosuch'],
      ['exists', '-l', 'img1'],
      ['exists', '-i', 'img1', ids.container.slice(0, 12)],
      ['exists', '-c', ids.container],
      ['exists', '-q', 'top'],
    ];
    for (const args of sorted) {
      const r = await both(s, args);
      expect(sortedLines(r.ts), args.join(' ')).toEqual(sortedLines(r.go));
    }
    const exact = [
      ['exists', '--json', 'top', 'nosuch', 'img1'],
      ['metadata', 'img1', 'ctr1', 'base', 'nosuch'],
      ['metadata', '-q', 'img1', 'nosuch', 'base'],
      ['metadata', '--json', 'img1', 'ctr1', 'base', 'nosuch'],
      ['get-names', 'img1'],
      ['get-names', '--json', ids.container],
      ['get-names', ids.base.slice(0, 8)],
      ['get-names', 'nosuch'],
      ['set-metadata', 'top'],
      ['set-metadata', '-m', 'x', 'nosuch'],
      ['status'],
      ['status', '--json'],
      ['nosuch-command'],
      ['exists', '--bogus', 'x'],
      ['getnames', '-qz', 'x'],
    ];
    for (const args of exact) {
      const r = await both(s, args);
      expect(r.ts, args.join(' ')).toEqual(r.go);
    }
    // Usage errors: stdout is the same; the option tables on stderr list HEAD's extra global options.
    for (const args of [['get-names'], ['set-names', '--help'], ['exists', '-h']]) {
      const r = await both(s, args);
      expect({ status: r.ts.status, stdout: r.ts.stdout }, args.join(' ')).toEqual({ status: r.go.status, stdout: r.go.stdout });
    }
  });

});
