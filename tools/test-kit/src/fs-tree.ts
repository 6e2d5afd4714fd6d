import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { lstat, mkdtemp, readdir, readlink, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { mountsUnder } from '@cs/drivers';
import { lgetxattr, llistxattr, major, minor, MNT, umount2 } from '@cs/sys';
import { runCommand } from './process.js';

/**
 * A temp dir (`<tmp>/<prefix>XXXXXX`, by default named after the package under test) whose
 * mounts are all lazily unmounted (deepest first) before it is removed.
 */
export async function makeTempRoot(prefix = `cs-${path.basename(process.cwd())}-`): Promise<{ dir: string; dispose(): Promise<void> }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
  return {
    dir,
    async dispose() {
      for (let round = 0; round < 3; round++) {
        const mounts = await mountsUnder(dir);
        if (mounts.length === 0) break;
        for (const m of mounts) await umount2(m, MNT.DETACH).catch(() => undefined);
      }
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function sha256(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * One line per object below `root` (root itself excluded): path, type, mode, owner, size,
 * content hash, link target, device numbers, xattrs, link count. Used to compare trees with Go's.
 */
export async function treeListing(root: string, opts: { skipXattr?: (name: string) => boolean } = {}): Promise<string[]> {
  const lines: string[] = [];
  const walk = async (rel: string): Promise<void> => {
    const names = (await readdir(path.join(root, rel))).sort();
    for (const name of names) {
      const r = rel ? `${rel}/${name}` : name;
      const p = path.join(root, r);
      const st = await lstat(p);
      const kind = st.isDirectory() ? 'd' : st.isFile() ? 'f' : st.isSymbolicLink() ? 'l' : st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : st.isFIFO() ? 'p' : 's';
      let extra = '';
      if (kind === 'f') extra = `size=${st.size} sha=${(await sha256(p)).slice(0, 16)} nlink=${st.nlink}`;
      if (kind === 'l') extra = `-> ${await readlink(p)}`;
      if (kind === 'c' || kind === 'b') extra = `dev=${major(st.rdev)},${minor(st.rdev)}`;
      const xattrs: string[] = [];
      for (const x of (await llistxattr(p)).sort()) {
        if (opts.skipXattr?.(x)) continue;
        xattrs.push(`${x}=${(await lgetxattr(p, x)).toString('hex')}`);
      }
      lines.push(`${r} ${kind} ${(st.mode & 0o7777).toString(8)} ${st.uid}:${st.gid} ${extra} ${xattrs.join(' ')}`.trimEnd());
      if (kind === 'd') await walk(r);
    }
  };
  await walk('');
  return lines;
}

/** `tar -tv` of a tar file: one `perms owner size name` line per member (times dropped), sorted. */
export async function tarFileMembers(file: string): Promise<string[]> {
  const res = await runCommand('tar', ['--numeric-owner', '-tvf', file]);
  if (res.code !== 0) throw new Error(`tar -tvf failed: ${res.stderr}`);
  return res.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => {
      const [perms, owner, size, , , ...name] = l.split(/\s+/);
      return `${perms} ${owner} ${size} ${name.join(' ')}`;
    })
    .sort();
}

/** As tarFileMembers, for a tar stream (written to `scratch` first). */
export async function tarMembers(stream: AsyncIterable<Uint8Array>, scratch: string): Promise<string[]> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c));
  await writeFile(scratch, Buffer.concat(chunks));
  return tarFileMembers(scratch);
}

/**
 * Builds a tar with Python's tarfile from a compact spec: `d:path[:mode]`, `f:path:content[:mode]`,
 * `l:path:target` (symlink), `h:path:target` (hard link), `c:path:major:minor`.
 */
export async function makeTar(file: string, entries: string[]): Promise<void> {
  const script = `
import io, sys, tarfile
out, specs = sys.argv[1], sys.argv[2:]
with tarfile.open(out, 'w', format=tarfile.PAX_FORMAT) as t:
    for spec in specs:
        kind, name, *rest = spec.split(':')
        ti = tarfile.TarInfo(name)
        ti.mtime = 1600000000
        data = None
        if kind == 'd':
            ti.type = tarfile.DIRTYPE; ti.mode = int(rest[0], 8) if rest else 0o755
        elif kind == 'f':
            data = rest[0].encode(); ti.size = len(data); ti.mode = int(rest[1], 8) if len(rest) > 1 else 0o644
        elif kind == 'l':
            ti.type = tarfile.SYMTYPE; ti.linkname = rest[0]; ti.mode = 0o777
        elif kind == 'h':
            ti.type = tarfile.LNKTYPE; ti.linkname = rest[0]; ti.mode = 0o644
        elif kind == 'c':
            ti.type = tarfile.CHRTYPE; ti.devmajor = int(rest[0]); ti.devminor = int(rest[1]); ti.mode = 0o666
        t.addfile(ti, io.BytesIO(data) if data is not None else None)
`;
  const res = await runCommand('python3', ['-c', script, file, ...entries]);
  if (res.code !== 0) throw new Error(`making ${file} failed: ${res.stderr}`);
}
