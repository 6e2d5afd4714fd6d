import { readFileSync } from 'node:fs';

/** Marker upstream sets in the re-executed child of `unshare` / `--unshare`. */
export const USERNS_MARKER = '_CONTAINERS_USERNS_CONFIGURED';

function readProc(file: string): string | null {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

/**
 * Upstream's "rootless" test, which is the default of --unshare (cli.md §1.4): not UID 0 (or
 * _CONTAINERS_ROOTLESS_UID says so), already configured, root without CAP_SYS_ADMIN, or inside a
 * user namespace without the full ID mapping.
 */
export function isRootless(env: NodeJS.ProcessEnv = process.env, uid = process.geteuid?.() ?? 0): boolean {
  const forced = env['_CONTAINERS_ROOTLESS_UID'];
  if (forced !== undefined && forced !== '' && forced !== '0') return true;
  if (env[USERNS_MARKER]) return true;
  if (uid !== 0) return true;
  const status = readProc('/proc/self/status');
  const capEff = status?.match(/^CapEff:\s*([0-9a-f]+)/m)?.[1];
  if (capEff !== undefined && (BigInt(`0x${capEff}`) & (1n << 21n)) === 0n) return true;
  const uidMap = readProc('/proc/self/uid_map');
  if (uidMap !== null && !/^\s*0\s+0\s+4294967295\s*$/.test(uidMap)) return true;
  return false;
}
