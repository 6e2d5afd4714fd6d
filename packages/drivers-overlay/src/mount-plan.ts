import path from 'node:path';
import { DriverError, type IDMap } from '@cs/drivers';
import { parseMountOptions } from './mount-flags.js';

/** Mount data must fit in one page with its NUL; 4096 is the smallest Linux page. */
export const PAGE_SIZE = 4096;

/**
 * One overlay mount as a plain value (computed here, performed by mounter.ts):
 * - `direct`: mount(2) from this process with absolute paths;
 * - `relative`: Go 1.43's long form, paths relative to `cwd` (the driver home), run in a helper;
 * - `fds`: HEAD's longest form, the helper opens `lowerDirs` and names them by fd number
 *   relative to /proc/self/fd; `data` then holds what follows the lowerdir option;
 * - `program`: `<program> -o <data> <target>` (fuse-overlayfs) run with `cwd` = driver home.
 */
export interface MountPlan {
  via: 'direct' | 'relative' | 'fds' | 'program';
  source: 'overlay';
  fstype: 'overlay';
  target: string;
  flags: number;
  data: string;
  cwd?: string;
  lowerDirs?: string[];
  program?: string;
  readOnly: boolean;
}

export interface MountPlanInput {
  home: string;
  id: string;
  /** absolute lower dirs, nearest first (`<home>/l/<LID>`…), or `[<home>/<id>/empty]` for a base layer */
  lowers: string[];
  /** the caller's options, or the configured `mountopt` split on commas */
  options: string[];
  readOnly: boolean;
  mountLabel?: string;
  mountProgram?: string;
  uidMaps?: IDMap[];
  gidMaps?: IDMap[];
  /** force_mask with a mount program: fuse-overlayfs keeps the real owner/mode in xattrs */
  forceMask?: number;
  /** rootless kernel overlay: `userxattr` */
  rootless?: boolean;
  /** add `volatile` (the caller checked the kernel supports it) */
  volatile?: boolean;
  pageSize?: number;
}

function formatIdMapping(maps: IDMap[]): string {
  return maps.map((m) => `${m.containerID}:${m.hostID}:${m.size}`).join(':');
}

/** Computes the mount for on-disk.md §5.3 steps 2-9. */
export function planOverlayMount(input: MountPlanInput): MountPlan {
  const pageSize = input.pageSize ?? PAGE_SIZE;
  const layerDir = path.join(input.home, input.id);
  const diff = path.join(layerDir, 'diff');
  const work = path.join(layerDir, 'work');
  const target = path.join(layerDir, 'merged');
  const options = [...input.options];
  const readOnly = input.readOnly || options.includes('ro');
  if (readOnly && !options.includes('ro')) options.push('ro');
  if (input.rootless && !input.mountProgram) options.push('userxattr');
  if (input.volatile && !input.mountProgram && !readOnly && !options.includes('volatile')) options.push('volatile');
  if (input.mountProgram) {
    if (input.uidMaps?.length) options.push(`uidmapping=${formatIdMapping(input.uidMaps)}`);
    if (input.gidMaps?.length) options.push(`gidmapping=${formatIdMapping(input.gidMaps)}`);
    if (input.forceMask !== undefined) options.push('xattr_permissions=2');
  }
  if (input.mountLabel) options.push(`context="${input.mountLabel}"`);

  const lowerList = readOnly ? [diff, ...input.lowers] : input.lowers;
  const upperPart = (upper: string, workDir: string) => (readOnly ? '' : `,upperdir=${upper},workdir=${workDir}`);
  const compose = (lowers: string[], upper: string, workDir: string) =>
    parseMountOptions([`lowerdir=${lowers.join(':')}${upperPart(upper, workDir)}`, ...options].join(','));

  const base = { source: 'overlay' as const, fstype: 'overlay' as const, target, readOnly };
  const absolute = compose(lowerList, diff, work);
  if (input.mountProgram) {
    return { ...base, via: 'program', ...absolute, cwd: input.home, program: input.mountProgram };
  }
  const fits = (data: string) => Buffer.byteLength(data) < pageSize;
  if (fits(absolute.data)) return { ...base, via: 'direct', ...absolute };

  // Go 1.43: everything relative to the home, mounted from a helper whose cwd is the home.
  const rel = (p: string) => (p.startsWith(input.home + '/') ? path.relative(input.home, p) : p);
  const relative = compose(lowerList.map(rel), rel(diff), rel(work));
  if (fits(relative.data)) return { ...base, via: 'relative', ...relative, cwd: input.home };

  // HEAD: lowers by descriptor number, relative to /proc/self/fd (at most 4 digits each).
  const rest = parseMountOptions([upperPart(diff, work).slice(1), ...options].filter((s) => s !== '').join(','));
  const estimate = `lowerdir=${lowerList.map((_, i) => String(i + 100)).join(':')},${rest.data}`;
  if (!fits(estimate)) {
    throw new DriverError(
      'ERR_DRIVER_MOUNT',
      `overlay: cannot mount layer ${input.id}: mount data too large (${Buffer.byteLength(estimate)} bytes with ${lowerList.length} lowers)`,
    );
  }
  return { ...base, via: 'fds', flags: rest.flags, data: rest.data, lowerDirs: lowerList };
}
