import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { compressionCode } from '../../src/in/index.js';
import { applyInto, replay, tree } from './apply-helpers.js';
import { BENCH, hasBench, isRoot, skipNote, tempDirs } from './helpers.js';
import { dir, file, hardlink, symlink, tar } from './tar-builder.js';

const dirs = tempDirs();
afterEach(() => dirs.cleanup());
// the Debian binary: node_modules/.bin has this project's own CLI under the same name
const GO = process.env.CS_GO_CLI ?? '/usr/bin/containers-storage';

interface GoLayer {
  'compressed-diff-digest'?: string;
  'compressed-size'?: number;
  'diff-digest'?: string;
  'diff-size'?: number;
  compression?: number;
  uidset?: number[];
  gidset?: number[];
}

/** Imports `data` with the Go CLI (vfs) and returns its record, layer dir and tar-split bytes. */
async function goImport(data: Buffer): Promise<{ layer: GoLayer; dir: string; tarSplit: Buffer }> {
  const box = await dirs.make('cs-archive-go-');
  const input = join(box, 'input');
  await writeFile(input, data);
  const flags = ['--storage-driver', 'vfs', '--graph', join(box, 'g'), '--run', join(box, 'r')];
  try {
    execFileSync(GO, [...flags, 'import-layer', '--id', 'imp', '-f', input], { stdio: 'pipe' });
  } catch (e) {
    const x = e as { stderr?: Buffer; stdout?: Buffer; status?: number; signal?: string };
    throw new Error(`Go import-layer failed (${x.status} ${x.signal}): ${String(x.stdout)} ${String(x.stderr)}`);
  }
  const [layer] = JSON.parse(execFileSync(GO, [...flags, 'layer', '--json', 'imp']).toString()) as GoLayer[];
  return { layer: layer!, dir: join(box, 'g/vfs/dir/imp'), tarSplit: await readFile(join(box, 'g/vfs-layers/imp.tar-split.gz')) };
}

const EDGY = Buffer.concat([
  tar(
    dir('./'),
    dir('dir/', { uid: 1000, gid: 7, mode: 0o2755 }),
    file('dir/file.txt', 'hello\n', { uid: 1000, gid: 7, pax: { mtime: '1600000000.123456789', 'SCHILY.xattr.user.k': 'v' } }),
    { name: 'x'.repeat(10), gnuLongName: `long/${'n'.repeat(150)}`, data: 'gnu', format: 'gnu' },
    { name: Buffer.from([0x63, 0x61, 0x66, 0xe9]), data: 'raw', format: 'gnu' },
    symlink('link', '/dir/file.txt', { uid: 5 }),
    hardlink('hard', 'dir/file.txt'),
    { name: 'fifo', type: '6', mode: 0o600 },
    file('.wh.gone'),
  ),
  Buffer.from('TRAILING GARBAGE\n'),
]);

describe.skipIf(skipNote(existsSync(GO) && isRoot, `the Go CLI ${GO} (oracle) and root are needed`))('against the Go containers-storage CLI', () => {
  for (const [label, data] of [['plain', EDGY], ['gzip', gzipSync(EDGY)]] as const) {
    it(`records what Go records and lays out the same tree (${label})`, async () => {
      const go = await goImport(data);
      const d = await dirs.make();
      const r = await applyInto(d, data, { whiteouts: 'delete' });
      expect({
        'compressed-diff-digest': r.compressedDigest,
        'compressed-size': r.compressedSize,
        'diff-digest': r.uncompressedDigest,
        'diff-size': r.uncompressedSize,
        compression: compressionCode(r.compression) || undefined,
        uidset: r.uidset,
        gidset: r.gidset,
      }).toEqual({
        'compressed-diff-digest': go.layer['compressed-diff-digest'],
        'compressed-size': go.layer['compressed-size'],
        'diff-digest': go.layer['diff-digest'],
        'diff-size': go.layer['diff-size'],
        compression: go.layer.compression,
        uidset: go.layer.uidset,
        gidset: go.layer.gidset,
      });
      expect(await tree(d)).toEqual(await tree(go.dir));
    });
  }

  it("replays Go's tar-split and Go's files, and ours from Go's files, to the original bytes", async () => {
    const go = await goImport(EDGY);
    expect((await replay(go.tarSplit, [go.dir])).equals(EDGY)).toBe(true);
    const r = await applyInto(await dirs.make(), EDGY);
    expect((await replay(r.tarSplit!, [go.dir])).equals(EDGY)).toBe(true);
    // the JSON lines themselves are Go's, segment boundaries and the final empty read included
    expect(gunzipSync(r.tarSplit!).toString()).toBe(gunzipSync(go.tarSplit).toString());
  });

  it.skipIf(skipNote(hasBench, `bench data in ${BENCH} is needed for the real-layer comparison`))('upper.tar.gz: same record and tree as Go', async () => {
    const data = await readFile(join(BENCH, 'upper.tar.gz'));
    const go = await goImport(data);
    const d = await dirs.make();
    const r = await applyInto(d, data, { whiteouts: 'delete' }, 1 << 20);
    expect([r.compressedDigest, r.uncompressedDigest, r.uncompressedSize, compressionCode(r.compression), r.uidset, r.gidset]).toEqual([
      go.layer['compressed-diff-digest'], go.layer['diff-digest'], go.layer['diff-size'], go.layer.compression, go.layer.uidset ?? [], go.layer.gidset ?? [],
    ]);
    expect(await tree(d)).toEqual(await tree(go.dir));
    expect(gunzipSync(r.tarSplit!).equals(gunzipSync(go.tarSplit))).toBe(true);
  }, 120_000);
});
