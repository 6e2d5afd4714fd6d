import { readFileSync } from 'node:fs';

let cached: boolean | undefined;

/**
 * Whether this process runs in a user namespace without the full ID range (rootless):
 * then devices cannot be created and some xattrs are refused, as upstream expects (§2.3, §2.6).
 */
export function inUserNamespace(): boolean {
  if (cached !== undefined) return cached;
  try {
    const lines = readFileSync('/proc/self/uid_map', 'utf8').trim().split('\n');
    const [inside, outside, count] = (lines[0] ?? '').trim().split(/\s+/);
    cached = !(lines.length === 1 && inside === '0' && outside === '0' && count === '4294967295');
  } catch {
    cached = false;
  }
  return cached;
}
