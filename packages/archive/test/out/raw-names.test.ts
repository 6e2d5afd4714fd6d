/** Names that are not UTF-8 survive changes → exportChanges byte-exactly (layer-diff.md §7.1 #19). */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeKind, changesBetween, diffSizeFromChanges, exportChanges, formatChange } from '../../src/out/index.js';
import { collect, removeTree, tempDir } from './helpers.js';

describe('raw (non-UTF-8) names', () => {
  let root: string;
  const raw = Buffer.from('caf\xe9', 'latin1');

  beforeAll(async () => {
    root = await tempDir('cs-raw-');
    await mkdir(join(root, 'new'));
    await mkdir(join(root, 'old'));
    await writeFile(Buffer.concat([Buffer.from(join(root, 'new') + '/'), raw]), 'data');
    await writeFile(join(root, 'new', 'café'), 'utf8'); // valid UTF-8: no rawPath
  });
  afterAll(async () => {
    await removeTree(root);
  });

  it('reports a display path plus the exact bytes, and exports those bytes', async () => {
    const changes = await changesBetween(join(root, 'new'), join(root, 'old'), { worker: false });
    // byte order: 'caf\xc3\xa9' (UTF-8 é) sorts before 'caf\xe9'
    expect(changes.map(formatChange)).toEqual(['A /café', 'A /caf\ufffd']);
    expect(changes[1]!.rawPath?.equals(Buffer.concat([Buffer.from('/'), raw]))).toBe(true);
    expect(changes[0]!.rawPath).toBeUndefined();
    const tar = await collect(exportChanges(join(root, 'new'), changes, { worker: false }));
    expect(tar.includes(Buffer.from(`13 path=caf\xe9\n`, 'latin1'))).toBe(true);
    expect(tar.includes(Buffer.from('path=café\n'))).toBe(true);
    expect(await diffSizeFromChanges(join(root, 'new'), changes)).toBe(4 + 4);
  });

  it('a display path alone cannot name a non-UTF-8 file: it is skipped, not mangled', async () => {
    const skipped: string[] = [];
    const tar = await collect(
      exportChanges(join(root, 'new'), [{ path: '/caf\ufffd', kind: ChangeKind.Add }], { worker: false, onSkip: (p) => skipped.push(p) }),
    );
    expect(tar.equals(Buffer.alloc(1024))).toBe(true);
    expect(skipped).toHaveLength(1);
  });
});
