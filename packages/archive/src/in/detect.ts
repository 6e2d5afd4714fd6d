/** Compression of a layer stream, as detected from its first bytes (layer-diff.md §1.1). */
export type Compression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

const MAGICS: ReadonlyArray<readonly [Compression, readonly number[]]> = [
  ['bzip2', [0x42, 0x5a, 0x68]],
  ['gzip', [0x1f, 0x8b, 0x08]],
  ['xz', [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00]],
  ['zstd', [0x28, 0xb5, 0x2f, 0xfd]],
];

/** Longest magic: read at least this many bytes (or to EOF) before deciding. */
export const DETECT_BYTES = 6;

/**
 * Detect by magic bytes. Returns undefined when `head` is a prefix of some magic and so more
 * bytes are needed; pass `atEOF` to decide with what there is (then never undefined).
 */
export function detectCompression(head: Uint8Array, atEOF = false): Compression | undefined {
  let needMore = false;
  for (const [kind, magic] of MAGICS) {
    const n = Math.min(head.length, magic.length);
    let same = true;
    for (let i = 0; i < n; i++) {
      if (head[i] !== magic[i]) {
        same = false;
        break;
      }
    }
    if (!same) continue;
    if (head.length >= magic.length) return kind;
    needMore = true;
  }
  return needMore && !atEOF ? undefined : 'none';
}

/** The numeric value layers.json stores for a compression (0 = none, omitted). */
export function compressionCode(c: Compression): number {
  return { none: 0, bzip2: 1, gzip: 2, xz: 3, zstd: 4 }[c];
}
