import { createHash } from 'node:crypto';
import { lstat, readdir, readlink } from 'node:fs/promises';
import { join } from 'node:path';
import * as sys from '@cs/sys';
import { type ApplyOptions, type ApplyResult, applyTar, assembleFromTarSplit } from '../../src/in/index.js';
import { chunked } from './tar-builder.js';

export function sha(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export async function applyInto(dir: string, data: Buffer, opts: Partial<ApplyOptions> = {}, chunk = 4096): Promise<ApplyResult> {
  return applyTar(dir, chunked(data, chunk), { whiteouts: 'delete', recordTarSplit: true, ...opts });
}

export async function replay(tarSplit: Buffer, dirs: string[]): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of assembleFromTarSplit(tarSplit, dirs)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** Sorted "path type mode uid:gid [target|size|dev]" lines of a tree (raw names as latin1). */
export async function tree(root: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const abs = rel === '' ? root : join(root, rel);
    for (const name of (await readdir(abs, { encoding: 'buffer' })).map((n) => n.toString('latin1')).sort()) {
      const r = rel === '' ? name : `${rel}/${name}`;
      const p = Buffer.from(join(root, r), 'latin1');
      const st = await lstat(p);
      const mode = (st.mode & 0o7777).toString(8);
      const own = `${st.uid}:${st.gid}`;
      if (st.isDirectory()) {
        out.push(`${r}/ d ${mode} ${own}`);
        await walk(r);
      } else if (st.isSymbolicLink()) out.push(`${r} l ${own} -> ${(await readlink(p, { encoding: 'buffer' })).toString('latin1')}`);
      else if (st.isFile()) out.push(`${r} f ${mode} ${own} ${st.size}`);
      else if (st.isCharacterDevice()) out.push(`${r} c ${mode} ${own} ${sys.major(st.rdev)},${sys.minor(st.rdev)}`);
      else if (st.isBlockDevice()) out.push(`${r} b ${mode} ${own} ${sys.major(st.rdev)},${sys.minor(st.rdev)}`);
      else if (st.isFIFO()) out.push(`${r} p ${mode} ${own}`);
      else out.push(`${r} ?`);
    }
  };
  await walk('');
  return out;
}
