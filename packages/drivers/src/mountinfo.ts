import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface MountEntry {
  mountPoint: string;
  fsType: string;
  source: string;
  /** per-mount options (rw, nodev, …) */
  mountOptions: string;
  /** filesystem options (for overlay: lowerdir=…, upperdir=…) */
  superOptions: string;
}

/** Undoes the kernel's octal escapes (`\040` for a space, …) in mountinfo fields. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** Parses /proc/self/mountinfo (proc(5) format). */
export function parseMountInfo(text: string): MountEntry[] {
  const out: MountEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line) continue;
    const fields = line.split(' ');
    const sep = fields.indexOf('-', 6);
    if (sep < 0 || fields.length < sep + 4) continue;
    out.push({
      mountPoint: unescape(fields[4]!),
      mountOptions: fields[5]!,
      fsType: fields[sep + 1]!,
      source: unescape(fields[sep + 2]!),
      superOptions: fields[sep + 3]!,
    });
  }
  return out;
}

/**
 * Sync: the kernel generates the file in memory, so the read never waits on a disk, and mount,
 * unmount and store open ask for it on their start-up path, where a thread-pool round trip per
 * read (and starting the pool) costs more than the read.
 */
export async function readMountTable(): Promise<MountEntry[]> {
  return parseMountInfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** The topmost mount at exactly this path, or undefined when the path is not a mount point. */
export async function findMount(target: string): Promise<MountEntry | undefined> {
  const want = path.resolve(target);
  const table = await readMountTable();
  for (let i = table.length - 1; i >= 0; i--) {
    if (table[i]!.mountPoint === want) return table[i];
  }
  return undefined;
}

export async function isMountPoint(target: string): Promise<boolean> {
  return (await findMount(target)) !== undefined;
}

/** Mount points strictly below `dir`, deepest (most recently mounted) first: the order to unmount them. */
export async function mountsUnder(dir: string): Promise<string[]> {
  const prefix = path.resolve(dir) + '/';
  return (await readMountTable())
    .map((m) => m.mountPoint)
    .filter((p) => p.startsWith(prefix))
    .reverse();
}
