import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../tools/testing/reflink-fs.sh', import.meta.url));

/** A loop-mounted XFS with reflink (tools/testing/reflink-fs.sh), or why there is none. */
export async function mountReflinkFs(): Promise<{ dir: string; unmount: () => Promise<void> } | { reason: string }> {
  const base = await mkdtemp(join(tmpdir(), 'cs-reflink-'));
  const dir = join(base, 'xfs');
  const up = spawnSync(SCRIPT, ['up', dir, '300'], { encoding: 'utf8' });
  if (up.status !== 0) {
    await rm(base, { recursive: true, force: true });
    return { reason: up.stdout.trim() || up.stderr.trim() || `reflink-fs.sh exited ${up.status}` };
  }
  return {
    dir,
    unmount: async () => {
      spawnSync(SCRIPT, ['down', dir]);
      await rm(base, { recursive: true, force: true });
    },
  };
}
