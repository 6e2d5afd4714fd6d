import fs from 'node:fs';
import path from 'node:path';
import { ROOT_GRAPH_ROOT, ROOT_RUN_ROOT, parseIDMapString, type StoreOptions } from '../options.js';
import { loadStorageConf, type StorageConf } from './storage-conf.js';

/** Where the defaults come from; every field defaults to this process's. */
export interface DefaultsContext {
  env?: NodeJS.ProcessEnv;
  /** Effective UID; 0 means root. */
  uid?: number;
  /** Treat as rootless even when uid is 0 (upstream _CONTAINERS_USERNS_CONFIGURED). */
  rootless?: boolean;
  /** The system-wide files, first existing wins; default [/etc/containers/storage.conf, /usr/share/containers/storage.conf]. */
  systemConfPaths?: string[];
}

export const SYSTEM_CONF = '/etc/containers/storage.conf';
export const DEFAULT_CONF = '/usr/share/containers/storage.conf';

// Start-up lookups are single sync syscalls: every command opens the store through them, and
// a thread-pool round trip each (plus starting the pool) costs more than the syscall.
function exists(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false }) !== undefined;
  } catch {
    return false;
  }
}

function isRootless(ctx: Required<Pick<DefaultsContext, 'env' | 'uid'>> & DefaultsContext): boolean {
  if (ctx.rootless !== undefined) return ctx.rootless;
  const forced = ctx.env['_CONTAINERS_ROOTLESS_UID'];
  if (forced !== undefined && forced !== '' && forced !== '0') return true;
  if (ctx.env['_CONTAINERS_USERNS_CONFIGURED']) return true;
  return ctx.uid !== 0;
}

/** The system-wide storage.conf that exists: /etc first, then /usr/share; null when neither. */
async function systemConfPath(candidates: readonly string[] = [SYSTEM_CONF, DEFAULT_CONF]): Promise<string | null> {
  for (const file of candidates) if (exists(file)) return file;
  return null;
}

/**
 * Which storage.conf the library reads (on-disk.md §7.1): $CONTAINERS_STORAGE_CONF; then, for
 * root, $XDG_CONFIG_HOME/containers/storage.conf if it exists, /etc, /usr/share; for rootless
 * users their own file ($XDG_CONFIG_HOME or ~/.config) if it exists. `userFile` says whether the
 * file replaces the system one entirely (rootless) or is the system one. null: built-in defaults.
 */
export async function storageConfPath(ctx: DefaultsContext = {}): Promise<{ file: string; userFile: boolean } | null> {
  const env = ctx.env ?? process.env;
  const uid = ctx.uid ?? process.geteuid?.() ?? 0;
  const explicit = env['CONTAINERS_STORAGE_CONF'];
  if (explicit) return { file: explicit, userFile: true };
  const rootless = isRootless({ ...ctx, env, uid });
  const xdg = env['XDG_CONFIG_HOME'];
  const userConf = xdg ? path.join(xdg, 'containers', 'storage.conf') : env['HOME'] ? path.join(env['HOME'], '.config', 'containers', 'storage.conf') : null;
  if (!rootless) {
    if (xdg && exists(path.join(xdg, 'containers', 'storage.conf'))) return { file: path.join(xdg, 'containers', 'storage.conf'), userFile: true };
  } else if (userConf !== null && exists(userConf)) {
    return { file: userConf, userFile: true };
  }
  const system = await systemConfPath(ctx.systemConfPaths);
  return system === null ? null : { file: system, userFile: !rootless };
}

/** Expands $UID, $HOME, $USER and other environment variables, then resolves symlinks when the path exists. */
async function expandPath(p: string, env: NodeJS.ProcessEnv, uid: number): Promise<string> {
  const vars: Record<string, string> = { ...(env as Record<string, string>), UID: String(uid) };
  const expanded = p.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$([A-Za-z_][A-Za-z0-9_]*)/g, (_m, a: string, b: string) => vars[a ?? b] ?? '');
  try {
    return fs.realpathSync.native(expanded); // realpath(3), as fs.promises.realpath
  } catch {
    return expanded;
  }
}

/** The rootless run root (on-disk.md §7.2): $XDG_RUNTIME_DIR, /run/user/<uid>, $TMPDIR, ~/rundir. */
async function rootlessRunRoot(env: NodeJS.ProcessEnv, uid: number): Promise<string> {
  const xdg = env['XDG_RUNTIME_DIR'];
  if (xdg) return path.join(xdg, 'containers');
  const runUser = `/run/user/${uid}`;
  try {
    const st = fs.statSync(runUser);
    if (st.isDirectory() && st.uid === uid && (st.mode & 0o777) === 0o700) return path.join(runUser, 'containers');
  } catch {
    // fall through
  }
  const tmp = env['TMPDIR'] || '/tmp';
  if (tmp) return path.join(tmp, `containers-user-${uid}`);
  return path.join(env['HOME'] ?? '/', 'rundir');
}

/** Driver options that storage.conf's tables turn into, in upstream's order (GetGraphDriverOptions). */
export function driverOptionsFromConf(conf: StorageConf, driver: string): string[] {
  const out: string[] = [];
  const o = conf.options;
  const table = (name: string): Record<string, string> => o.drivers[name] ?? {};
  const pick = (t: Record<string, string>, key: string): string | undefined => t[key] || o.legacy[key] || undefined;
  if (driver === 'overlay' || driver === 'overlay2') {
    const t = { ...table('overlay') };
    for (const key of ['ignore_chown_errors', 'mount_program', 'mountopt', 'size', 'inodes', 'skip_mount_home', 'force_mask', 'use_composefs']) {
      const v = key === 'inodes' || key === 'use_composefs' ? t[key] || undefined : pick(t, key);
      if (v !== undefined) out.push(`${driver}.${key}=${v}`);
    }
  } else if (driver === 'vfs') {
    const v = pick(table('vfs'), 'ignore_chown_errors');
    if (v !== undefined) out.push(`vfs.ignore_chown_errors=${v}`);
  }
  return out;
}

/**
 * The library's default store options (upstream DefaultStoreOptions): built-in defaults for root
 * or rootless, then storage.conf (§7.1 precedence), then STORAGE_DRIVER and STORAGE_OPTS.
 * Roots are left as configured; the Store makes them absolute when it opens.
 */
export async function defaultStoreOptions(ctx: DefaultsContext = {}): Promise<StoreOptions> {
  const env = ctx.env ?? process.env;
  const uid = ctx.uid ?? process.geteuid?.() ?? 0;
  const rootless = isRootless({ ...ctx, env, uid });
  const located = await storageConfPath({ ...ctx, env, uid });
  const conf = located === null ? null : await loadStorageConf(located.file);
  const opts: StoreOptions = { driverOptions: [], pullOptions: null };
  if (!rootless) {
    opts.graphRoot = ROOT_GRAPH_ROOT;
    opts.runRoot = ROOT_RUN_ROOT;
  } else {
    const dataHome = env['XDG_DATA_HOME'] || path.join(env['HOME'] ?? '/', '.local', 'share');
    opts.graphRoot = path.join(dataHome, 'containers', 'storage');
    opts.runRoot = await rootlessRunRoot(env, uid);
  }
  let driver = '';
  if (conf !== null && (located!.userFile || !rootless)) {
    // The whole file applies (root, or a rootless user's own file).
    if (conf.driver) driver = conf.driver;
    if (conf.runroot) opts.runRoot = await expandPath(conf.runroot, env, uid);
    if (conf.graphroot) opts.graphRoot = await expandPath(conf.graphroot, env, uid);
    if (conf.rootlessStoragePath) {
      opts.rootlessStoragePath = await expandPath(conf.rootlessStoragePath, env, uid);
      if (rootless && !conf.graphroot) opts.graphRoot = opts.rootlessStoragePath;
    }
    if (conf.transientStore !== undefined) opts.transientStore = conf.transientStore;
    if (conf.imagestore) opts.imageStore = conf.imagestore;
    const o = conf.options;
    for (const s of o.additionalImageStores) opts.driverOptions!.push(`${conf.driver ?? ''}.imagestore=${s}`);
    for (const s of o.additionalLayerStores) opts.driverOptions!.push(`${conf.driver ?? ''}.additionallayerstore=${s}`);
    if (o.remapUids) opts.uidMap = parseIDMapString(o.remapUids, 'uid');
    if (o.remapGids) opts.gidMap = parseIDMapString(o.remapGids, 'gid');
    if (o.rootAutoUsernsUser) opts.autoUsernsUser = o.rootAutoUsernsUser;
    if (o.autoUsernsMinSize !== undefined) opts.autoUsernsMinSize = o.autoUsernsMinSize;
    if (o.autoUsernsMaxSize !== undefined) opts.autoUsernsMaxSize = o.autoUsernsMaxSize;
    if (o.disableVolatile !== undefined) opts.disableVolatile = o.disableVolatile;
    if (o.pullOptions !== undefined) opts.pullOptions = o.pullOptions;
  } else if (conf !== null) {
    // Rootless user reading the system file: only a few keys carry over (§7.1).
    const sysDriver = conf.driver ?? '';
    driver = ['btrfs', 'overlay', 'overlay2', 'vfs'].includes(sysDriver) ? sysDriver : 'vfs';
    if (conf.rootlessStoragePath) {
      opts.rootlessStoragePath = await expandPath(conf.rootlessStoragePath, env, uid);
      opts.graphRoot = opts.rootlessStoragePath;
    }
    if (conf.options.pullOptions !== undefined) opts.pullOptions = conf.options.pullOptions;
    const ignore = conf.options.drivers['overlay']?.['ignore_chown_errors'] || conf.options.legacy['ignore_chown_errors'];
    if ((driver === 'overlay' || driver === 'overlay2') && ignore) opts.driverOptions!.push(`${driver}.ignore_chown_errors=${ignore}`);
  } else if (rootless) {
    driver = 'vfs';
  }
  const envDriver = env['STORAGE_DRIVER'];
  if (envDriver) driver = envDriver;
  if (driver === 'overlay2') driver = 'overlay';
  if (conf !== null && (located!.userFile || !rootless)) opts.driverOptions!.push(...driverOptionsFromConf(conf, driver));
  const envOpts = env['STORAGE_OPTS'];
  if (envOpts !== undefined) opts.driverOptions = envOpts === '' ? [] : envOpts.split(',');
  if (driver !== '') opts.driver = driver;
  return opts;
}
