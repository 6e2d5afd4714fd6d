// Scratch stores (the startup measurement's, and run.sh's kept ones): made under the bench work dir (tmpfs by default) and
// removed afterwards, unmounting whatever a CLI left mounted below them (the Go overlay driver keeps a
// private bind mount of <graph>/overlay until `shutdown`).
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { run } from './proc.mjs';

export async function makeScratch(workDir) {
  return mkdtemp(join(workDir, 'cs-bench-startup.'));
}

function unescapeMountPath(p) {
  return p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
}

export async function mountsBelow(dir) {
  const info = await readFile('/proc/self/mountinfo', 'utf8');
  return info
    .split('\n')
    .map((l) => l.split(' ')[4])
    .filter((m) => m !== undefined)
    .map(unescapeMountPath)
    .filter((m) => m === dir || m.startsWith(`${dir}/`))
    .sort()
    .reverse();
}

export async function removeScratch(dir) {
  for (const m of await mountsBelow(dir)) {
    const r = await run('umount', [m], { stdio: 'ignore' });
    if (r.code !== 0) await run('umount', ['-l', m], { stdio: 'ignore' });
  }
  await rm(dir, { recursive: true, force: true });
}
