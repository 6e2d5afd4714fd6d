import { statfsSync } from 'node:fs';

/** Filesystem magic numbers → the names Go prints as "Backing Filesystem". */
const FS_NAMES = new Map<number, string>([
  [0x61756673, 'aufs'],
  [0x9123683e, 'btrfs'],
  [0x28cd3d45, 'cramfs'],
  [0xf15f, 'ecryptfs'],
  [0xef53, 'extfs'],
  [0xf2f52010, 'f2fs'],
  [0x65735546, 'fuse'],
  [0x6a656a63, 'fakeowner'],
  [0x3153464a, 'jfs'],
  [0x4d44, 'msdos'],
  [0x6969, 'nfs'],
  [0x794c7630, 'overlayfs'],
  [0x858458f6, 'ramfs'],
  [0x52654973, 'reiserfs'],
  [0x517b, 'smb'],
  [0x73717368, 'squashfs'],
  [0x01021994, 'tmpfs'],
  [0xa501fcf5, 'vxfs'],
  [0x58465342, 'xfs'],
  [0x2fc12fc1, 'zfs'],
]);

/** Backing filesystems on which kernel overlay cannot run (Go 1.43 refuses them without a mount program). */
const INCOMPATIBLE = new Set(['aufs', 'zfs', 'overlayfs', 'ecryptfs']);

/** One statfs at every driver open: a synchronous call, cheaper than a thread-pool round trip. */
export async function backingFilesystem(dir: string): Promise<{ magic: number; name: string; overlayCompatible: boolean }> {
  const st = statfsSync(dir);
  const magic = Number(st.type) >>> 0;
  const name = FS_NAMES.get(magic) ?? '<unknown>';
  return { magic, name, overlayCompatible: !INCOMPATIBLE.has(name) };
}
