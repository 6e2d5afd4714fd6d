
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
export const LINK_ID_LENGTH = 26;

/** RFC 4648 base32 (no padding needed here: we keep only the first 26 characters). */
function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(acc >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(acc << (5 - bits)) & 31];
  return out;
}

/** A fresh short link ID: the first 26 base32 characters of 17 random bytes, as Go makes them. */
export function generateLinkId(): string {
  // node:crypto fetched on first use (cached by Node) rather than at start-up.
  return base32(process.getBuiltinModule('node:crypto').randomBytes(17)).slice(0, LINK_ID_LENGTH);
}

export function isLinkId(s: string): boolean {
  return /^[A-Z2-7]{26}$/.test(s);
}
