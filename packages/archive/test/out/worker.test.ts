/**
 * The worker path (synchronous syscalls in a worker thread) only runs from the built bundle, so
 * this file drives dist/ and checks it against the in-process producer from src/.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as src from '../../src/out/index.js';
import { collect, isRoot, OverlayMount, removeTree, run, tempDir } from './helpers.js';

const distFile = new URL('../../dist/index.js', import.meta.url);
const haveDist = existsSync(distFile);
if (!haveDist) console.warn('worker tests skipped: build the package first (dist/index.js is missing)');
const dist = (haveDist ? await import(distFile.href) : src) as typeof src;

const TREE = String.raw`
set -e
mkdir -p a/b a-b "caf$(printf '\351')"
echo hello > a/b/f && ln a/b/f hl && ln -s ../x a/l && mkfifo fifo
python3 -c "import os; os.setxattr('a/b/f','user.k',b'v')"
python3 -c "open('$(printf 'n%.0s' $(seq 1 120))','w').write('x'*700)"
head -c 3000000 /dev/urandom > big
head -c 70000 /dev/urandom > mid
touch -d @-315619200 old
`;

describe.skipIf(!haveDist)('export worker (built bundle)', () => {
  let root: string;
  let tree: string;

  beforeAll(async () => {
    root = await tempDir('cs-worker-');
    tree = join(root, 'tree');
    await run('mkdir', ['-p', tree]);
    await run('sh', ['-c', TREE], { cwd: tree });
    if (isRoot) await run('sh', ['-c', 'mknod chr c 4 5 && chown 7:8 a/b/f'], { cwd: tree });
  });
  afterAll(async () => {
    await removeTree(root);
  });

  it('produces the same bytes as the in-process producer, repeatedly (worker reuse)', async () => {
    const expected = await collect(src.exportTree(tree, { headerStyle: '1.43' }));
    for (let i = 0; i < 3; i++) {
      const got = await collect(dist.exportTree(tree, { headerStyle: '1.43' }));
      expect(got.equals(expected)).toBe(true);
    }
    const changes = await src.changesBetween(tree, null);
    const deletions = [...changes, { path: '/gone', kind: src.ChangeKind.Delete }];
    const norm = (b: Buffer) => b.toString('latin1').replace(/\.wh\.gone\0[^]{135}/, '');
    expect(norm(await collect(dist.exportChanges(tree, deletions)))).toBe(norm(await collect(src.exportChanges(tree, deletions))));
  });

  it('computes the same tree-comparison changes in the worker', async () => {
    const other = join(root, 'other');
    await run('sh', ['-c', `cp -a ${tree} ${other} && cd ${other} && rm -rf a/b && echo new > added && chmod 600 mid && touch -d @1 old`]);
    for (const compare of ['head', '1.43'] as const) {
      const expected = await src.changesBetween(other, tree, { compare, worker: false });
      expect(expected.length).toBeGreaterThan(3);
      expect(await dist.changesBetween(other, tree, { compare })).toEqual(expected);
    }
    expect(await dist.changesBetween(tree, null)).toEqual(await src.changesBetween(tree, null));
    await expect(dist.changesBetween(join(root, 'nope'), tree)).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(dist.changesBetween(join(tree, 'mid'), tree)).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
  });

  it.skipIf(!isRoot)('writes the same overlay native diff as the in-process producer', async () => {
    const base = join(root, 'ovl');
    const lower = join(base, 'lower');
    await run('sh', ['-c', `mkdir -p ${lower}/d/sub ${lower}/keep && echo a > ${lower}/a && echo b > ${lower}/b && echo z > ${lower}/d/sub/z`]);
    const upper = join(base, 'upper');
    const m = await OverlayMount.create(base, upper, [lower]);
    try {
      await run('sh', ['-c', 'rm a b && rm -rf d && mkdir d && echo n > d/n && mkdir fresh && echo f > fresh/f && touch keep'], { cwd: m.merged });
    } finally {
      await m.unmount();
    }
    for (const headerStyle of ['head', '1.43'] as const) {
      const expected = await collect(src.exportOverlayUpper(upper, [lower], { headerStyle }));
      expect(expected.includes(Buffer.from('d/.wh..wh..opq'))).toBe(true);
      expect((await collect(dist.exportOverlayUpper(upper, [lower], { headerStyle }))).equals(expected)).toBe(true);
    }
  });

  it('zero-pads a file shorter than its lstat size in the worker too (sysfs)', async () => {
    const dir = '/sys/kernel/mm/transparent_hugepage';
    if (!existsSync(`${dir}/enabled`)) return console.warn('short-file test skipped: no sysfs transparent_hugepage/enabled');
    const changes = [{ path: '/enabled', kind: src.ChangeKind.Add }];
    const ours = await collect(dist.exportChanges(dir, changes));
    expect(ours.length).toBe(512 + 4096 + 1024);
    expect(ours.equals(await collect(src.exportChanges(dir, changes)))).toBe(true);
  });

  it('reports skipped members and unmappable owners from the worker', async () => {
    const skipped: string[] = [];
    const maps = [{ containerID: 0, hostID: 0, size: 5 }];
    const out = await collect(
      dist.exportChanges(tree, [{ path: '/a', kind: src.ChangeKind.Modify }, { path: '/missing', kind: src.ChangeKind.Add }], {
        uidMaps: maps, gidMaps: maps, onSkip: (p) => skipped.push(p),
      }),
    );
    expect(out.length).toBe(512 + 1024);
    expect(skipped).toEqual(['missing']);
  });

  it('fails with ERR_PRODUCE_NOT_A_DIRECTORY and recovers for the next export', async () => {
    await expect(collect(dist.exportTree(join(root, 'nope')))).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
    expect((await collect(dist.exportTree(tree))).length).toBeGreaterThan(3000000);
  });

  it('stops the worker when the consumer destroys the stream early, then works again', async () => {
    const stream = dist.exportTree(tree);
    await new Promise((resolve) => stream.once('data', resolve));
    stream.destroy();
    await new Promise((resolve) => stream.once('close', resolve));
    const again = await collect(dist.exportTree(tree, { headerStyle: '1.43' }));
    expect(again.equals(await collect(src.exportTree(tree, { headerStyle: '1.43' })))).toBe(true);
  });

  it('does not keep the process alive for a stream nobody reads', async () => {
    const script = `import { exportTree } from ${JSON.stringify(distFile.href)};
      const s = exportTree(${JSON.stringify(tree)});
      s.once('data', () => { s.pause(); console.log('paused'); });`;
    const { stdout } = await run(process.execPath, ['--input-type=module', '-e', script], { timeout: 20000 });
    expect(stdout.trim()).toBe('paused');
  });

  it('keeps back-pressure: a slow consumer gets everything in order', async () => {
    const chunks: Buffer[] = [];
    for await (const c of dist.exportTree(tree)) {
      chunks.push(c as Buffer);
      await new Promise((r) => setImmediate(r));
    }
    expect(Buffer.concat(chunks).equals(await collect(src.exportTree(tree)))).toBe(true);
  });
});
