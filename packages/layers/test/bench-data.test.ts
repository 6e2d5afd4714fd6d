import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import '@cs/drivers-overlay';
import { BENCH_DATA, GO_CLI, hasBenchData, hasGoCLI, isRoot, makeEnv, type Env } from './helpers.js';

const ready = hasBenchData && isRoot;
if (!hasBenchData) console.warn(`bench-data.test.ts skipped: no ${BENCH_DATA}/base.tar (set CS_BENCH_DATA)`);
else if (!isRoot) console.warn('bench-data.test.ts skipped: the overlay driver needs root');

/** sha256 per file name from the bench data's MANIFEST.tsv. */
async function manifest(): Promise<Map<string, string>> {
  const text = await readFile(path.join(BENCH_DATA, 'MANIFEST.tsv'), 'utf8');
  const out = new Map<string, string>();
  for (const line of text.trim().split('\n').slice(1)) {
    const [name, , , sha] = line.split('\t');
    out.set(name!, `sha256:${sha}`);
  }
  return out;
}

async function digestOf(stream: AsyncIterable<Uint8Array>): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of stream) {
    hash.update(chunk);
    size += chunk.length;
  }
  return { digest: 'sha256:' + hash.digest('hex'), size };
}

describe.skipIf(!ready)('real layers from the bench data (overlay)', () => {
  let env: Env;
  let sums: Map<string, string>;
  beforeAll(async () => {
    env = await makeEnv('overlay');
    sums = await manifest();
  });
  afterAll(async () => {
    await env?.cleanup();
  });

  it('imports base.tar.gz and upper.tar.gz, records the published digests and replays both byte for byte', { timeout: 150_000 }, async () => {
    let t = Date.now();
    const base = await env.store.put({ names: ['base'] }, createReadStream(path.join(BENCH_DATA, 'base.tar.gz')));
    const importMs = Date.now() - t;
    expect(base.layer.compressedDigest).toBe(sums.get('base.tar.gz'));
    expect(base.layer.uncompressedDigest).toBe(sums.get('base.tar'));
    expect(base.layer.compression).toBe(2);
    const upper = await env.store.put({ names: ['upper'], parent: 'base' }, createReadStream(path.join(BENCH_DATA, 'upper.tar.gz')));
    expect(upper.layer.uncompressedDigest).toBe(sums.get('upper.tar'));

    t = Date.now();
    expect(await env.store.diffSource(null, 'base')).toBe('tar-split');
    const checkMs = Date.now() - t;
    t = Date.now();
    const replay = await digestOf(await env.store.diff(null, 'base', { compression: 'none' }));
    const diffMs = Date.now() - t;
    expect(replay.digest).toBe(sums.get('base.tar'));
    expect(replay.size).toBe(base.layer.uncompressedSize);
    expect((await digestOf(await env.store.diff(null, 'upper', { compression: 'none' }))).digest).toBe(sums.get('upper.tar'));
    console.log(`base.tar.gz: import ${importMs} ms, freshness check ${checkMs} ms, tar-split replay ${diffMs} ms`);

    if (hasGoCLI) {
      // The Go CLI replays our tar-split to the same bytes.
      const go = spawn(GO_CLI, ['--graph', env.graphRoot, '--run', env.runRoot, '--storage-driver', 'overlay', 'diff', '-u', 'upper']);
      const fromGo = await digestOf(go.stdout);
      expect(fromGo.digest).toBe(sums.get('upper.tar'));
    } else {
      console.warn('Go CLI missing: skipped its replay of our tar-split');
    }
  });
});
