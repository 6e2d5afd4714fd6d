import { closeSync, readdirSync } from 'node:fs';
import * as sys from '@cs/sys';
import { O_DIRECTORY, O_NOFOLLOW, O_PATH, errCode } from './fsx.js';

/**
 * Removes `name` in the directory `dfd` and, for a directory, everything below it (as `rm -rf`;
 * gone already is fine). Every call is relative to a directory fd and never follows a symlink
 * (unlinkat removes the link itself), and the dirent types save an lstat per entry: fs.rmSync
 * stats each entry and resolves its full path, which made whiteouts of big directories slow.
 */
export function removeTree(dfd: number, name: Buffer): void {
  if (name.length === 0 || name.includes(0x2f) || (name[0] === 0x2e && (name.length === 1 || (name.length === 2 && name[1] === 0x2e)))) {
    throw Object.assign(new Error(`EINVAL: not one entry of the directory: ${JSON.stringify(name.toString('utf8'))}`), { code: 'EINVAL' });
  }
  try {
    sys.unlinkatSync(dfd, name, 0);
    return;
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT') return;
    if (code !== 'EISDIR') throw e;
  }
  removeDir(dfd, name);
}

function removeDir(dfd: number, name: Buffer): void {
  const fd = sys.openat2Sync(dfd, name, { flags: O_PATH | O_DIRECTORY | O_NOFOLLOW });
  try {
    for (const d of readdirSync(`/proc/self/fd/${fd}`, { withFileTypes: true, encoding: 'buffer' })) {
      if (d.isDirectory()) removeDir(fd, d.name);
      else removeTree(fd, d.name); // DT_UNKNOWN directories come back as EISDIR there
    }
  } finally {
    closeSync(fd);
  }
  try {
    sys.unlinkatSync(dfd, name, sys.AT.REMOVEDIR);
  } catch (e) {
    if (errCode(e) !== 'ENOENT') throw e;
  }
}
