import { closeSync, lstatSync, mkdirSync, openSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as sys from '@cs/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { removeTree } from '../../src/in/remove-tree.js';
import { tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
const O_PATH = 0o10000000;

describe('removeTree (whiteouts, replaced directories)', () => {
  it('removes a nested tree without following symlinks out of it; files, links and absent names too', async () => {
    const root = await dirs.make();
    const outside = await dirs.make();
    writeFileSync(join(outside, 'keep'), 'outside');
    mkdirSync(join(root, 'd/a/b/c'), { recursive: true });
    for (let i = 0; i < 50; i++) writeFileSync(join(root, `d/a/f${i}`), 'x');
    writeFileSync(join(root, 'd/a/b/c/deep'), 'y');
    symlinkSync(outside, join(root, 'd/to-outside'));
    symlinkSync(join(outside, 'keep'), join(root, 'd/a/b/file-link'));
    symlinkSync('nowhere', join(root, 'd/dangling'));
    sys.mknodSync(join(root, 'd/fifo'), 0o010644, 0);
    writeFileSync(join(root, 'plain'), 'p');
    symlinkSync(outside, join(root, 'link-dir'));
    const fd = openSync(root, O_PATH | 0o200000);
    try {
      removeTree(fd, Buffer.from('d'));
      removeTree(fd, Buffer.from('plain'));
      removeTree(fd, Buffer.from('link-dir')); // the link goes, its target stays
      removeTree(fd, Buffer.from('absent'));
    } finally {
      closeSync(fd);
    }
    for (const n of ['d', 'plain', 'link-dir']) expect(lstatSync(join(root, n), { throwIfNoEntry: false })).toBeUndefined();
    expect(readFileSync(join(outside, 'keep'), 'utf8')).toBe('outside');
  });

  it('takes one entry of the directory only (never ".", "..", a path or nothing)', async () => {
    const root = await dirs.make();
    mkdirSync(join(root, 'sub'));
    const fd = openSync(join(root, 'sub'), O_PATH | 0o200000);
    try {
      for (const n of ['.', '..', 'a/b', '']) expect(() => removeTree(fd, Buffer.from(n))).toThrow(expect.objectContaining({ code: 'EINVAL' }));
    } finally {
      closeSync(fd);
    }
    expect(lstatSync(join(root, 'sub')).isDirectory()).toBe(true);
  });

  it('reports what it cannot remove', async () => {
    const root = await dirs.make();
    const fd = openSync(root, O_PATH | 0o200000);
    closeSync(fd);
    expect(() => removeTree(fd, Buffer.from('x'))).toThrow(expect.objectContaining({ code: 'EBADF' }));
  });
});
