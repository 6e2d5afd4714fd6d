/**
 * The time-sliced overlay scans (changes-overlay.ts, directorySize): the dirent-type shortcuts
 * must give the same verdicts an lstat would, and the event loop must keep running meanwhile.
 */
import { link, mkdir, symlink, utimes, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesFromOverlayUpper, directorySize, formatChange } from '../../src/out/index.js';
import { TimeSlicer } from '../../src/out/time-slice.js';
import { isRoot, removeTree, run, tempDir } from './helpers.js';

if (!isRoot) console.warn('overlay-scan device tests skipped: mknod and trusted.* xattrs need root');

let root: string;
beforeAll(async () => {
  root = await tempDir('cs-out-scan-');
});
afterAll(async () => {
  await removeTree(root);
});

describe('TimeSlicer', () => {
  it('lets other callbacks run during a long synchronous loop', async () => {
    const slicer = new TimeSlicer();
    let turns = 0;
    const timer = setInterval(() => turns++, 1);
    const until = performance.now() + 60;
    try {
      while (performance.now() < until) if (slicer.due()) await slicer.yieldTurn();
    } finally {
      clearInterval(timer);
    }
    expect(turns).toBeGreaterThanOrEqual(3);
  });
});

describe('overlay scans', () => {
  it('fail with ERR_PRODUCE_NOT_A_DIRECTORY for a missing dir or a file', async () => {
    const file = join(root, 'plain-file');
    await writeFile(file, 'x');
    for (const p of [join(root, 'missing'), file]) {
      await expect(changesFromOverlayUpper(p, [])).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
      await expect(directorySize(p)).rejects.toMatchObject({ code: 'ERR_PRODUCE_NOT_A_DIRECTORY' });
    }
  });

  it('sizes non-directories once per inode, symlinks by target length', async () => {
    const dir = join(root, 'size');
    await mkdir(join(dir, 'd/e'), { recursive: true });
    await writeFile(join(dir, 'd/e/f'), Buffer.alloc(1000));
    await link(join(dir, 'd/e/f'), join(dir, 'hard'));
    await writeFile(join(dir, 'g'), 'abc');
    await symlink('12345', join(dir, 'ln'));
    expect(await directorySize(dir)).toBe(1000 + 3 + 5);
  });

  it('pulls in unrecorded ancestors before an Add, also below a recorded Modify directory (§5.3)', async () => {
    const lower = join(root, 'anc-lower');
    const upper = join(root, 'anc-upper');
    for (const top of [lower, upper]) {
      await mkdir(join(top, 'a/b'), { recursive: true });
      await mkdir(join(top, 'p/q/r'), { recursive: true });
    }
    // a/b and p/q/r differ from the lower ones (mode): Modify; a, p, p/q are equal: no record
    await run('chmod', ['0700', join(upper, 'a/b'), join(upper, 'p/q/r')]);
    await writeFile(join(upper, 'a/b/c'), 'new');
    await writeFile(join(upper, 'p/q/r/s'), 'new');
    await mkdir(join(upper, 'k/l'), { recursive: true }); // new directories: Add
    await writeFile(join(upper, 'k/l/m'), 'new');
    await writeFile(join(upper, 'k/l/n'), 'new');
    for (const top of [lower, upper]) {
      for (const d of ['a', 'a/b', 'p', 'p/q', 'p/q/r']) await utimes(join(top, d), 1_600_000_000, 1_600_000_000);
    }
    expect((await changesFromOverlayUpper(upper, [lower])).map(formatChange)).toEqual([
      'C /a/b', 'C /a', 'A /a/b/c', 'A /k', 'A /k/l', 'A /k/l/m', 'A /k/l/n', 'C /p/q/r', 'C /p', 'C /p/q', 'A /p/q/r/s',
    ]);
  });

  it.skipIf(!isRoot)('classifies devices, whiteouts and directories by type (§5.3)', async () => {
    const lower = join(root, 'lower');
    const upper = join(root, 'upper');
    const sh = (cwd: string, script: string) => run('sh', ['-c', `set -e\n${script}`], { cwd });
    await mkdir(lower);
    await mkdir(upper);
    await sh(lower, 'mkdir same changed opq gone && mknod dev c 4 5 && touch f && echo x > opq/old');
    await sh(upper, [
      'mkdir same changed opq sub',
      'mknod dev c 4 5', // a character device that is not a whiteout: lstat tells them apart
      'mknod gone c 0 0', // whiteout
      'mknod sub/new c 1 3', // added device below an added directory
      'mknod sub/wh c 0 0', // whiteout below an added directory
      'mkfifo fifo && ln -s f sl && touch f',
      'echo y > opq/new',
      `python3 -c "import os; os.setxattr('opq', 'trusted.overlay.opaque', b'y')"`,
    ].join(' && '));
    // 'same' equals the lower directory (size, mode, mtime); 'changed' differs in mode
    await run('chmod', ['0700', join(upper, 'changed')]);
    for (const d of ['same', 'changed', 'opq']) await utimes(join(upper, d), 1_600_000_000, 1_600_000_000);
    for (const d of ['same', 'changed', 'opq']) await utimes(join(lower, d), 1_600_000_000, 1_600_000_000);

    const withLower = (await changesFromOverlayUpper(upper, [lower])).map(formatChange);
    expect(withLower).toEqual([
      'C /changed', 'C /dev', 'C /f', 'A /fifo', 'D /gone', 'D /opq', 'A /opq/new', 'A /sl', 'A /sub', 'A /sub/new', 'D /sub/wh',
    ]);
    const alone = (await changesFromOverlayUpper(upper, [])).map(formatChange);
    expect(alone).toEqual([
      'A /changed', 'A /dev', 'A /f', 'A /fifo', 'D /gone', 'A /opq', 'A /opq/new', 'A /same', 'A /sl', 'A /sub', 'A /sub/new',
      'D /sub/wh',
    ]);
    // devices and whiteouts are 0 bytes; 'y\n' 2, symlink 'f' 1
    expect(await directorySize(upper)).toBe(3);
  });
});
