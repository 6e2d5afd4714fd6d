import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as sys from '@cs/sys';
import { afterEach, describe, expect, it } from 'vitest';
import { isRoot, skipNote, tempDirs } from './helpers.js';
import { file, tar } from './tar-builder.js';

const DIST = fileURLToPath(new URL('../../dist/index.js', import.meta.url));
const dirs = tempDirs();
afterEach(() => dirs.cleanup());

function canUnshare(): boolean {
  try {
    execFileSync('unshare', ['-Ur', 'true'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Applies `data` to a fresh dir from inside `unshare -Ur` (a user namespace mapping only uid 0). */
async function applyRootless(data: Buffer): Promise<{ dir: string; status: number | null; stderr: string }> {
  const box = await dirs.make();
  const input = join(box, 'layer.tar');
  const target = join(box, 'target');
  await writeFile(input, data);
  const script = `import { createReadStream, mkdirSync } from 'node:fs';
import { applyTar } from ${JSON.stringify(DIST)};
mkdirSync(${JSON.stringify(target)});
await applyTar(${JSON.stringify(target)}, createReadStream(${JSON.stringify(input)}), { whiteouts: 'overlay', overlayXattrPrefix: 'user.' });`;
  const scriptFile = join(box, 'apply.mjs');
  await writeFile(scriptFile, script);
  const env = { ...process.env };
  delete env.NODE_OPTIONS; // the test runner's loader hooks are not wanted in the child
  const r = spawnSync('unshare', ['-Ur', process.execPath, scriptFile], { encoding: 'utf8', env });
  return { dir: target, status: r.status, stderr: r.stderr };
}

describe.skipIf(skipNote(isRoot && existsSync(DIST) && canUnshare(), 'needs root, a built dist/ and `unshare -Ur` (user namespaces)'))('rootless apply in a user namespace (§7.2 #37 #38)', () => {
  it('#37 devices are skipped, fifos made, trusted xattrs dropped', async () => {
    const t = tar({ name: 'null', type: '3', devmajor: 1, devminor: 3 }, { name: 'loop', type: '4', devmajor: 7, devminor: 0 }, { name: 'fifo', type: '6' }, file('f', 'x', { pax: { 'SCHILY.xattr.trusted.x': 't', 'SCHILY.xattr.user.u': 'u' } }));
    const r = await applyRootless(t);
    expect(r.stderr, r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect((await readdir(r.dir)).sort()).toEqual(['f', 'fifo']);
    expect(await sys.llistxattr(join(r.dir, 'f'))).toEqual(['user.u']);
  });

  it('#38 an owner outside the namespace range is reported as such', async () => {
    const r = await applyRootless(tar(file('f', 'x', { uid: 1000 })));
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain('potentially insufficient UIDs or GIDs available in user namespace (requested 1000:0 for f)');
  });
});
