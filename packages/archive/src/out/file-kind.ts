/** File type bits of st_mode and the decoding of st_rdev (glibc 64-bit layout). */
export const S_IFMT = 0o170000;
export const S_IFSOCK = 0o140000;
export const S_IFLNK = 0o120000;
export const S_IFREG = 0o100000;
export const S_IFBLK = 0o060000;
export const S_IFDIR = 0o040000;
export const S_IFCHR = 0o020000;
export const S_IFIFO = 0o010000;

export function devMajor(rdev: bigint): number {
  return Number(((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn));
}

export function devMinor(rdev: bigint): number {
  return Number((rdev & 0xffn) | ((rdev >> 12n) & ~0xffn));
}

/** An overlay whiteout: a character device 0/0. */
export function isWhiteoutDevice(mode: number, rdev: bigint): boolean {
  return (mode & S_IFMT) === S_IFCHR && devMajor(rdev) === 0 && devMinor(rdev) === 0;
}

/** Whole seconds of a nanosecond time stamp, rounded down (also for times before 1970). */
export function floorSeconds(ns: bigint): number {
  const s = ns / 1_000_000_000n;
  return Number(ns < 0n && s * 1_000_000_000n !== ns ? s - 1n : s);
}
