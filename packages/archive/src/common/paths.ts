/**
 * Lexical cleaning of tar member names, on raw bytes (names may not be UTF-8).
 * clean('./a//b/../c/') = 'a/c'; the root ('', '.', '/', '..') is the empty array.
 * '..' at the top stays at the top (chroot semantics, layer-diff.md §4.2).
 */
export function cleanComponents(name: Uint8Array): Buffer[] {
  const parts: Buffer[] = [];
  const buf = Buffer.from(name.buffer, name.byteOffset, name.byteLength);
  let start = 0;
  for (let i = 0; i <= buf.length; i++) {
    if (i === buf.length || buf[i] === 0x2f) {
      const len = i - start;
      if (len === 0 || (len === 1 && buf[start] === 0x2e)) {
        // empty or '.'
      } else if (len === 2 && buf[start] === 0x2e && buf[start + 1] === 0x2e) {
        parts.pop();
      } else {
        parts.push(buf.subarray(start, i));
      }
      start = i + 1;
    }
  }
  return parts;
}

/** Joined cleaned name as a latin1 key (one JS char per byte), cheap to use in Maps and Sets. */
export function cleanKey(name: Uint8Array): string {
  return cleanComponents(name).map((p) => p.toString('latin1')).join('/');
}

/** Go's path.Clean of a relative name, on bytes, as a latin1 key ('.' for the root). */
export function goCleanKey(name: Uint8Array): string {
  const s = Buffer.from(name.buffer, name.byteOffset, name.byteLength).toString('latin1');
  // Fast path: most names are already clean (no '.', '..' or empty components).
  if (s !== '' && !s.endsWith('/') && !s.includes('//') && !/(^|\/)\.\.?(\/|$)/.test(s)) return s;
  const rooted = s.startsWith('/');
  const out: string[] = [];
  for (const part of s.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') {
      if (out.length > 0 && out[out.length - 1] !== '..') out.pop();
      else if (!rooted) out.push('..');
      continue;
    }
    out.push(part);
  }
  const joined = out.join('/');
  if (rooted) return '/' + joined;
  return joined === '' ? '.' : joined;
}
