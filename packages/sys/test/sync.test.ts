import { open, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fsyncDir, syncfs } from '../src/index.js';
import { makeTempDir, rejection, removeDir } from './helpers.js';

let dir: string;
beforeEach(async () => {
  dir = await makeTempDir();
});
afterEach(async () => {
  await removeDir(dir);
});

describe('durability helpers', () => {
  it('fsyncDir syncs a directory; a file or a missing path is an error from open', async () => {
    await writeFile(join(dir, 'f'), 'x');
    await fsyncDir(dir);
    await fsyncDir(Buffer.from(dir));
    const file = join(dir, 'f');
    expect(await rejection(fsyncDir(file))).toMatchObject({ code: 'ENOTDIR', syscall: 'open', path: file });
    expect(await rejection(fsyncDir(join(dir, 'none')))).toMatchObject({ code: 'ENOENT', syscall: 'open' });
  });

  it('syncfs flushes the file system of an fd', async () => {
    const fh = await open(join(dir, 'f'), 'w');
    const fd = fh.fd;
    await fh.write('data');
    await syncfs(fd);
    await fh.close();
    expect(await rejection(syncfs(fd))).toMatchObject({ code: 'EBADF', syscall: 'syncfs' });
    expect((await rejection(syncfs('3' as unknown as number))).code).toBe('ERR_INVALID_ARG_TYPE');
  });
});
