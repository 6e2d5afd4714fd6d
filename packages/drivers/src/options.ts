import { DriverError } from './errors.js';

/** Splits `key=value` (first `=`, both sides trimmed) like Go's parsers.ParseKeyValueOpt. */
export function parseKeyValueOpt(option: string): [string, string] {
  const at = option.indexOf('=');
  if (at < 0) {
    throw new DriverError('ERR_DRIVER_OPTION', `unable to parse key/value option: ${option}`);
  }
  return [option.slice(0, at).trim(), option.slice(at + 1).trim()];
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'TRUE', 'true', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'FALSE', 'false', 'False']);

/** Go's strconv.ParseBool: the only spellings Go accepts for boolean driver options. */
export function parseBool(key: string, value: string): boolean {
  if (TRUE_WORDS.has(value)) return true;
  if (FALSE_WORDS.has(value)) return false;
  throw new DriverError('ERR_DRIVER_OPTION', `invalid boolean value ${JSON.stringify(value)} for option ${key}`);
}

/** An octal permission mask; `shared` and `private` are the spellings Go accepts besides digits. */
export function parseForceMask(key: string, value: string): number {
  if (value === 'shared') return 0o755;
  if (value === 'private') return 0o700;
  if (!/^[0-7]{1,4}$/.test(value)) {
    throw new DriverError('ERR_DRIVER_OPTION', `invalid force_mask ${JSON.stringify(value)} for option ${key}`);
  }
  return parseInt(value, 8);
}

export interface DriverOption {
  /** the option's name without the driver prefix, lower case, e.g. `mountopt` */
  name: string;
  /** the key as the user wrote it (lower-cased), for error messages, e.g. `overlay.mountopt` */
  key: string;
  value: string;
}

/**
 * Splits `--storage-opt` strings addressed to one driver. A key is `<prefix>.<name>` or `.<name>`
 * (empty driver prefix) where prefix is one of `prefixes`, matched case-insensitively as Go does.
 * Keys for another driver are handed to `onForeign` (which normally throws the driver's own error).
 */
export function splitDriverOptions(
  options: readonly string[],
  prefixes: readonly string[],
  onForeign: (key: string) => never,
): DriverOption[] {
  const out: DriverOption[] = [];
  for (const option of options) {
    const [rawKey, value] = parseKeyValueOpt(option);
    const key = rawKey.toLowerCase();
    const dot = key.indexOf('.');
    const prefix = dot < 0 ? null : key.slice(0, dot);
    if (prefix === null || (prefix !== '' && !prefixes.includes(prefix))) onForeign(key);
    out.push({ name: key.slice(dot + 1), key, value });
  }
  return out;
}

/** Splits a comma-separated mount option string, dropping empty items. */
export function splitMountOptions(s: string | undefined): string[] {
  if (!s) return [];
  return s.split(',').map((o) => o.trim()).filter((o) => o !== '');
}
