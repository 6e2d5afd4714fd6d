import { createReadStream } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { applyTar, assembleFromTarSplit } from '../../src/in/index.js';
import { BENCH, hasBench, isRoot, skipNote, tempDirs } from './helpers.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function listing(dir: string): string {
  // path, mode, owner, size, mtime with ns, link target: the tree as GNU tar would leave it
  return execFileSync('sh', ['-c', `cd "$1" && find . -mindepth 1 -printf '%p %m %U %G %s %T@ %l\\n' | LC_ALL=C sort`, 'sh', dir], { maxBuffer: 64 << 20 }).toString();
}

describe.skipIf(skipNote(hasBench && isRoot, `bench data in ${BENCH} and root are needed for the real-layer round trip`))('real layer round trip', () => {
  it('applies base.tar like GNU tar and replays it byte for byte from tar-split', async () => {
    const dir = await dirs.make();
    const ref = await dirs.make();
    const r = await applyTar(dir, createReadStream(join(BENCH, 'base.tar')), { whiteouts: 'delete', recordTarSplit: true });
    expect(r.compression).toBe('none');
    expect(r.uncompressedDigest).toBe('sha256:84e8909b7916ea7e2602a0056a52ec87a735b94addf0dea358065d5282198ad0');
    expect(r.compressedDigest).toBe(r.uncompressedDigest);
    expect(r.uncompressedSize).toBe(121415680);
    execFileSync('tar', ['-xf', join(BENCH, 'base.tar'), '-C', ref]);
    expect(listing(dir)).toBe(listing(ref));
    const h = createHash('sha256');
    let n = 0;
    for await (const c of assembleFromTarSplit(r.tarSplit!, [dir])) {
      h.update(c);
      n += c.length;
    }
    expect(n).toBe(r.uncompressedSize);
    expect(`sha256:${h.digest('hex')}`).toBe(r.uncompressedDigest);
  }, 120_000);
});
