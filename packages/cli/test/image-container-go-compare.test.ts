import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cs, DRIVERS, GO_CLI, haveGo, runBinary, tempStore, type Result, type TempStore } from './helpers.js';

if (!haveGo) console.warn(`skipping the image/container comparison with the Go CLI: ${GO_CLI} is not installed`);

/** One step of the script: arguments after the store flags, optional stdin. */
interface Step {
  args: string[];
  input?: string;
}

const EMPTY_DIGEST = 'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
const MANIFEST = '{"schemaVersion":2,"layers":[]}';
const MANIFEST_DIGEST = 'sha256:5d3c00b3b1a2c8d1d0a4d5f35d52e8f6a9f2f5e46b0b0a63d0c0ba0ab4f6fd2b'; // not matching anything: a no-hit query

/**
 * The commands 1.43 has, in an order that exercises successes and failures. Every step runs on
 * the Go store and on a byte copy of it driven by our CLI; outputs must match modulo paths, IDs
 * and times.
 */
function script(dataFile: string, outDir: string): Step[] {
  return [
    { args: ['create-image', '--id', 'img1', '-n', 'myimage', '-m', 'image metadata', 'base'] },
    { args: ['create-image', '--id', 'img2', '--digest', EMPTY_DIGEST] },
    { args: ['create-image', '--json', '--id', 'img3', '-n', 'a<b&c', '-n', 'second', 'data'] },
    { args: ['createimage', '--id', 'img4', '-f', dataFile, ''] },
    { args: ['create-image', '--digest', 'foo'] },
    { args: ['create-image', 'nosuchlayer'] },
    { args: ['create-image', '--id', 'img1'] },
    { args: ['create-image', '-n', 'myimage'] },
    { args: ['create-image', '-f', path.join(outDir, 'missing')] },
    { args: ['create-image', '--bogus'] },
    { args: ['images'] },
    { args: ['images', '-q'] },
    { args: ['images', '--json'] },
    { args: ['set-image-data', 'img1', 'manifest'], input: MANIFEST },
    { args: ['set-image-data', '-f', dataFile, 'myimage', 'item'] },
    { args: ['setimagedata', 'img1', ''], input: 'x' },
    { args: ['set-image-data', 'nosuch', 'item'], input: 'x' },
    { args: ['set-image-data', '-f', path.join(outDir, 'missing'), 'img1', 'item2'] },
    { args: ['list-image-data', 'img1'] },
    { args: ['listimagedata', '--json', 'img1'] },
    { args: ['list-image-data', '--json', 'img2'] },
    { args: ['list-image-data', 'nosuch'] },
    { args: ['list-image-data', 'img1', 'extra'] },
    { args: ['get-image-data', 'img1', 'manifest'] },
    { args: ['get-image-data', '-f', path.join(outDir, 'got-manifest'), 'img1', 'manifest'] },
    { args: ['getimagedata', 'img1', 'nosuch'] },
    { args: ['get-image-data', 'nosuch', 'manifest'] },
    { args: ['get-image-data', 'img1'] },
    { args: ['get-image-data-size', 'img1', 'manifest'] },
    { args: ['getimagedatasize', 'img1', 'nosuch'] },
    { args: ['get-image-data-digest', 'myimage', 'item'] },
    { args: ['getimagedatadigest', 'img1', 'nosuch'] },
    { args: ['image', 'img1', 'img2', 'nosuch', 'img3'] },
    { args: ['image', '--json', 'img1', 'img4'] },
    { args: ['image'] },
    { args: ['images'] },
    { args: ['images-by-digest', EMPTY_DIGEST] },
    { args: ['images-by-digest', '-q', EMPTY_DIGEST] },
    { args: ['images-by-digest', '--json', EMPTY_DIGEST] },
    { args: ['images-by-digest', '--json', MANIFEST_DIGEST] },
    { args: ['create-container', '--id', 'ctr1', '-m', 'ctr metadata', 'img1'] },
    { args: ['create-container', '--json', '--id', 'ctr2', '--uidmap', '0:100000:65536', '--gidmap', '0:200000:65536', 'img3'] },
    { args: ['createcontainer', '--id', 'ctr3', '--volatile', ''] },
    { args: ['create-container', '--id', 'ctr4', '-n', 'c1', '-n', 'c2', 'img2'] },
    { args: ['create-container', '-n', 'c1', 'img2'] },
    { args: ['create-container', 'nosuch'] },
    { args: ['create-container', '--id', 'ctr1', 'img1'] },
    { args: ['create-container', '--uidmap', '0:1', 'img1'] },
    { args: ['create-container', '--gidmap', '0:1:x', 'img1'] },
    { args: ['create-container', '--hostuidmap', '--uidmap', '0:1:1', 'img1'] },
    { args: ['create-container', '--hostgidmap', '--gidmap', '0:1:1', 'img1'] },
    { args: ['create-container', '--subuidmap', 'nosuchuser', 'img1'] },
    { args: ['create-container', '-f', path.join(outDir, 'missing'), 'img1'] },
    { args: ['create-container'] },
    { args: ['create-container', 'img1', 'img2'] },
    { args: ['containers'] },
    { args: ['containers', '--json'] },
    { args: ['set-container-data', 'ctr1', 'config'], input: 'some config\n' },
    { args: ['setcontainerdata', '-f', dataFile, 'ctr1', 'state'] },
    { args: ['set-container-data', 'ctr1', ''], input: 'x' },
    { args: ['set-container-data', 'nosuch', 'x'], input: 'x' },
    { args: ['list-container-data', 'ctr1'] },
    { args: ['listcontainerdata', '--json', 'ctr1'] },
    { args: ['list-container-data', 'nosuch'] },
    { args: ['get-container-data', 'ctr1', 'config'] },
    { args: ['getcontainerdata', '-f', path.join(outDir, 'got-config'), 'ctr1', 'config'] },
    { args: ['get-container-data', 'ctr1', 'nosuch'] },
    { args: ['get-container-data', 'nosuch', 'config'] },
    { args: ['get-container-data-size', 'ctr1', 'state'] },
    { args: ['getcontainerdatasize', 'ctr1', 'nosuch'] },
    { args: ['get-container-data-digest', 'ctr1', 'config'] },
    { args: ['getcontainerdatadigest', 'ctr1', 'nosuch'] },
    { args: ['get-container-data-digest', 'nosuch', 'config'] },
    { args: ['get-container-dir', 'ctr1'] },
    { args: ['getcontainerrundir', 'ctr1'] },
    { args: ['get-container-dir', 'nosuch'] },
    { args: ['container', 'ctr1', 'nosuch', 'ctr3'] },
    { args: ['container', '--json', 'ctr1'] },
    { args: ['containers'] },
    { args: ['container-parent-owners', 'ctr1', 'ctr3'] },
    { args: ['container-parent-owners', '--json', 'ctr1'] },
    { args: ['container-parent-owners', 'ctr2'] },
    { args: ['container-parent-owners', 'nosuch'] },
    { args: ['delete-image', '-t', 'img1'] },
    { args: ['delete-image', '--json', 'img1', 'nosuch'] },
    { args: ['deleteimage', '-t', 'img4'] },
    { args: ['delete-image', 'img2'] },
    { args: ['delete-container', 'ctr3', 'nosuch', 'c2'] },
    { args: ['deletecontainer', '--json', 'ctr1'] },
    { args: ['delete-image', '--json', '-t', 'img1'] },
    { args: ['delete-image', 'img1'] },
    { args: ['images'] },
    { args: ['containers', '--json'] },
    { args: ['copy', path.join(outDir, 'src'), 'data:/dest'] },
    { args: ['copy', '--chown', '5:6', dataFile, 'data:/x/y/'] },
    { args: ['copy', '--chown', '7', path.join(outDir, 'src', 'sub'), 'data:/chowned'] },
    { args: ['copy', path.join(outDir, 'src', 'sub'), path.join(outDir, 'src'), 'data:/multi'] },
    { args: ['copy', dataFile, 'data:/dest'] },
    { args: ['copy', dataFile, 'data:/dest/sub/'] },
    { args: ['copy', '/nonexistent', 'data:/'] },
    { args: ['copy', dataFile, 'nosuch:/'] },
    { args: ['copy', 'data:/dest', path.join(outDir, 'out')] },
    { args: ['copy', 'data:/hello.txt', `${path.join(outDir, 'out')}/`] },
    { args: ['copy', '--chown', 'x', dataFile, 'data:/'] },
  ];
}

/** Paths of both stores → <dir>; 64-hex IDs → <id>; RFC 3339 times → <time>; Go's argv[0] → the tool name. */
function normalize(r: Result, dir: string): Result {
  const fix = (t: string): string =>
    t
      .split(dir)
      .join('<dir>')
      .split(GO_CLI)
      .join('containers-storage')
      .replace(/\b[0-9a-f]{64}\b(?<!sha256:[0-9a-f]{64})/g, '<id>')
      .replace(/\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)/g, '<time>');
  return { status: r.status, stdout: fix(r.stdout), stderr: fix(r.stderr) };
}

/** The option table lines of the global options HEAD added (1.43 has none of them; cli.md §5). */
function withoutHeadGlobals(r: Result): Result {
  return { ...r, stderr: r.stderr.replace(/^  --(image-store|transient-store|unshare, -U)\b.*\n/gm, '') };
}

/**
 * Library error texts that differ from Go's; reported to the owning packages, compared here
 * once they are fixed (the test logs them meanwhile instead of failing on another package's text).
 */
const LIBRARY_TEXT_DIFFERENCES = new Map<string, string>([]);

/** Behaviour of the Store (not the CLI) that differs from Go's; reported to its owner. */
const STORE_DIFFERENCES = new Map<string, string>([
  [
    'overlay container-parent-owners ctr2',
    'Go on an overlay that can shift IDs (idmapped mounts) leaves the container layer unmapped, so it has no parent owners to compute; our Store maps the layer itself',
  ],
]);

/**
 * On overlay only the steps that touch the driver run (containers, copy, deletions); the data-item
 * and listing steps are pure bookkeeping, already compared on vfs.
 */
const DRIVER_STEPS = /^(create-?image|create-?container|container|containers|container-parent-owners|get-container-dir|getcontainerrundir|delete-?image|delete-?container|copy)$/;

describe.skipIf(!haveGo).each(DRIVERS)('image and container commands against the Go CLI (1.43), %s', (driver) => {
  let goStore: TempStore;
  let ours: TempStore;
  const results: Array<{ step: Step; go: Result; ts: Result }> = [];

  beforeAll(async () => {
    goStore = await tempStore(driver);
    ours = await tempStore(driver);
    const go = (...args: string[]) => execFileSync(GO_CLI, [...goStore.flags, ...args], { encoding: 'utf8' });
    // A small layer with content so sizes are not all zero.
    const tree = path.join(goStore.dir, 'tree');
    await mkdir(path.join(tree, 'etc'), { recursive: true });
    await writeFile(path.join(tree, 'etc', 'hostname'), 'demo\n');
    await writeFile(path.join(tree, 'hello.txt'), 'hello world\n');
    const tar = path.join(goStore.dir, 'layer.tar');
    execFileSync('tar', ['-C', tree, '--owner=0', '--group=0', '-cf', tar, '.']);
    go('create-layer', '--id', 'base', '-n', 'baselayer');
    go('import-layer', '--id', 'data', '-f', tar, 'base');
    go('shutdown');
    // Our store starts as a byte copy of the Go one, under a path of its own.
    execFileSync('cp', ['-a', goStore.graph, ours.graph]);
    execFileSync('cp', ['-a', goStore.run, ours.run]);
    const dataFile = path.join(goStore.dir, 'data.bin');
    for (const dir of [goStore.dir, ours.dir]) {
      await writeFile(path.join(dir, 'data.bin'), Buffer.from([0, 1, 2, 0xff, 0x0a]));
      // A source tree for copy: owners, modes, a nanosecond mtime, a hard link, a symlink, a subdirectory.
      const src = path.join(dir, 'src');
      await mkdir(path.join(src, 'sub'), { recursive: true });
      await writeFile(path.join(src, 'a.txt'), 'hello\n', { mode: 0o640 });
      await writeFile(path.join(src, 'sub', 'b.txt'), 'inner\n');
      execFileSync('chown', ['1000:1001', path.join(src, 'a.txt')]);
      execFileSync('touch', ['-h', '-d', '2020-01-02 03:04:05.123456789', path.join(src, 'a.txt')]);
      execFileSync('ln', [path.join(src, 'a.txt'), path.join(src, 'hard')]);
      execFileSync('ln', ['-s', 'a.txt', path.join(src, 'link')]);
    }
    // Each side writes its -f outputs into its own dir: the step text uses <dir> for both.
    for (const step of script(dataFile, goStore.dir).filter((st) => driver === 'vfs' || DRIVER_STEPS.test(st.args[0]!))) {
      // The two stores are independent: run both tools at once.
      const oursArgs = step.args.map((a) => a.split(goStore.dir).join(ours.dir));
      const [goRes, tsRes] = await Promise.all([
        runBinary(GO_CLI, [...goStore.flags, ...step.args], { input: step.input }),
        cs([...ours.flags, ...oursArgs], { input: step.input }),
      ]);
      results.push({ step, go: normalize(goRes, goStore.dir), ts: withoutHeadGlobals(normalize(tsRes, ours.dir)) });
    }
  }, 240_000);

  afterAll(async () => {
    await goStore?.cleanup();
    await ours?.cleanup();
  });

  /** Steps where 1.43 differs from HEAD and we follow HEAD (cli.md §5). */
  const KNOWN_143_DIFFERENCES = new Set<string>(['create-container --id ctr4 -n c1 -n c2 img2', 'copy --chown x <dir>/data.bin data:/']);

  it('copy --chown with a bad owner: HEAD\'s "bad UID" text (1.43: "error \\"x\\" as a numeric UID", no newline)', () => {
    const step = results.find((r) => r.step.args[0] === 'copy' && r.step.args[2] === 'x')!;
    expect(step.go).toEqual({ status: 1, stdout: '', stderr: 'error "x" as a numeric UID: strconv.ParseUint: parsing "x": invalid syntax' });
    expect(step.ts).toEqual({ status: 1, stdout: '', stderr: 'bad UID: strconv.ParseUint: parsing "x": invalid syntax\n' });
  });

  it('copy left the same trees (names, owners, modes, types, link counts, file mtimes) in the layer and on the host', () => {
    const listing = (dir: string) =>
      execFileSync('find', ['.', '-printf', '%p %U:%G %m %y %n %s\n'], { cwd: dir, encoding: 'utf8' }).split('\n').sort().join('\n');
    const fileTimes = (dir: string) =>
      execFileSync('find', ['.', '-type', 'f', '-printf', '%p %T@\n'], { cwd: dir, encoding: 'utf8' }).split('\n').sort().join('\n');
    const layerDir = driver === 'vfs' ? ['root', 'vfs', 'dir', 'data'] : ['root', 'overlay', 'data', 'diff'];
    for (const sub of [layerDir, ['out']]) {
      const goDir = path.join(goStore.dir, ...sub);
      const ourDir = path.join(ours.dir, ...sub);
      expect(listing(ourDir)).toBe(listing(goDir));
      const a = fileTimes(goDir).split('\n').filter((l) => l.includes('a.txt') || l.includes('hard'));
      expect(a.length).toBeGreaterThan(0);
      expect(fileTimes(ourDir).split('\n').filter((l) => l.includes('a.txt') || l.includes('hard'))).toEqual(a);
    }
  });

  it('create-container prints one line per name (HEAD), where 1.43 ran the names together', () => {
    const step = results.find((r) => r.step.args.join(' ') === 'create-container --id ctr4 -n c1 -n c2 img2')!;
    expect(step.go).toEqual({ status: 0, stdout: 'ctr4\n\tc1\tc2', stderr: '' });
    expect(step.ts).toEqual({ status: 0, stdout: 'ctr4\n\tc1\n\tc2\n', stderr: '' });
  });

  it('prints the same stdout and stderr and exits the same for every step', () => {
    const mismatches = results
      .filter((r) => !KNOWN_143_DIFFERENCES.has(r.step.args.join(' ').split(goStore.dir).join('<dir>')))
      .filter((r) => {
        const storeDiff = STORE_DIFFERENCES.get(`${driver} ${r.step.args.join(' ')}`);
        if (storeDiff !== undefined && JSON.stringify(r.go) !== JSON.stringify(r.ts)) {
          console.warn(`known store difference (${storeDiff}): Go ${JSON.stringify(r.go)}, ours ${JSON.stringify(r.ts)}`);
          return false;
        }
        const known = LIBRARY_TEXT_DIFFERENCES.get(r.step.args.join(' '));
        if (known === undefined || JSON.stringify(r.go) === JSON.stringify(r.ts)) return true;
        // Same status and stdout; only the library's error text differs.
        expect({ status: r.ts.status, stdout: r.ts.stdout }).toEqual({ status: r.go.status, stdout: r.go.stdout });
        console.warn(`known library text difference (${known}): ours ${JSON.stringify(r.ts.stderr)}`);
        return false;
      })
      .filter((r) => JSON.stringify(r.go) !== JSON.stringify(r.ts))
      .map((r) => ({ args: r.step.args.join(' '), go: r.go, ts: r.ts }));
    // IC_DUMP=<file> keeps the mismatches for a closer look.
    if (process.env['IC_DUMP']) writeFileSync(process.env['IC_DUMP'], JSON.stringify(mismatches, null, 1));
    expect(mismatches).toEqual([]);
    expect(results.length).toBeGreaterThan(driver === 'vfs' ? 80 : 40);
  });

  it.skipIf(driver !== 'vfs')('left the same -f outputs on both sides', async () => {
    const { readFile } = await import('node:fs/promises');
    for (const name of ['got-manifest', 'got-config']) {
      expect(await readFile(path.join(ours.dir, name), 'utf8')).toBe(await readFile(path.join(goStore.dir, name), 'utf8'));
    }
  });
});
