import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { atomicWriteStream } from '../src/atomic-write.js';
import { readFileWithMtime } from '../src/read-small.js';

let dir: string;
beforeEach(async () => {
  dir = await fs.mkdtemp(path.join(os.tmpdir(), 'cs-records-read-'));
});
afterEach(async () => {
  await fs.rm(dir, { recursive: true, force: true });
});

describe('readFileWithMtime', () => {
  it('is null for a missing file and fails on other errors', async () => {
    expect(await readFileWithMtime(path.join(dir, 'absent.json'))).toBeNull();
    await expect(readFileWithMtime(dir + '/absent/x')).resolves.toBeNull();
    await fs.writeFile(path.join(dir, 'f'), 'x');
    await expect(readFileWithMtime(path.join(dir, 'f', 'below'))).rejects.toMatchObject({ code: 'ENOTDIR' });
  });

  it('reads small (inline) and big (thread-pool) files whole, with their mtime', async () => {
    for (const size of [0, 10, 256 * 1024, 256 * 1024 + 1, 3 * 1024 * 1024 + 7]) {
      const file = path.join(dir, `f${size}`);
      const data = Buffer.alloc(size, 'ab');
      await fs.writeFile(file, data);
      const got = await readFileWithMtime(file);
      expect(got?.bytes.equals(data)).toBe(true);
      expect(got?.mtimeNs).toBe((await fs.stat(file, { bigint: true })).mtimeNs);
    }
  });
});

describe('atomic write temp names', () => {
  it('uses .tmp-<base><digits> names and concurrent writes all land', async () => {
    const file = path.join(dir, 'layers.json');
    const seen: string[] = [];
    const writes = Array.from({ length: 20 }, () =>
      atomicWriteStream(file, (async function* () {
        seen.push(...(await fs.readdir(dir)).filter((n) => n.startsWith('.tmp-')));
        yield Buffer.from('[]');
      })()),
    );
    await Promise.all(writes);
    expect(seen.length).toBeGreaterThan(0);
    for (const name of seen) expect(name).toMatch(/^\.tmp-layers\.json\d+$/);
    expect(await fs.readdir(dir)).toEqual(['layers.json']);
  });
});
