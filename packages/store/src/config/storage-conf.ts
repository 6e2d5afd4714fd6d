import { readFileSync } from 'node:fs';
import { parse as parseTOML, TomlError } from 'smol-toml';
import { ConfigError } from '../errors.js';

/** The `[storage.options.<driver>]` string keys (on-disk.md §7.3). */
export interface DriverTableConf {
  [key: string]: string;
}

/** storage.conf as typed values; absent keys stay undefined (only set keys override defaults). */
export interface StorageConf {
  driver?: string;
  graphroot?: string;
  runroot?: string;
  rootlessStoragePath?: string;
  imagestore?: string;
  driverPriority?: string[];
  transientStore?: boolean;
  options: {
    additionalImageStores: string[];
    additionalLayerStores: string[];
    remapUids?: string;
    remapGids?: string;
    remapUser?: string;
    remapGroup?: string;
    rootAutoUsernsUser?: string;
    autoUsernsMinSize?: number;
    autoUsernsMaxSize?: number;
    disableVolatile?: boolean;
    pullOptions?: Record<string, string>;
    /** Legacy keys directly under [storage.options]. */
    legacy: DriverTableConf;
    /** [storage.options.overlay], [storage.options.vfs], … by table name. */
    drivers: Record<string, DriverTableConf>;
  };
  /** Keys this code does not know (upstream only warns about them). */
  unknownKeys: string[];
}

const LEGACY_KEYS = ['size', 'mount_program', 'skip_mount_home', 'ignore_chown_errors', 'force_mask', 'mountopt'];

type Table = Record<string, unknown>;

function isTable(v: unknown): v is Table {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Reads and parses a storage.conf file. */
export async function loadStorageConf(file: string): Promise<StorageConf> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8'); // a small file read at start-up: no thread-pool round trips
  } catch (err) {
    throw new ConfigError(file, `reading the configuration: ${(err as Error).message}`, { cause: err });
  }
  return parseStorageConf(text, file);
}

/** Parses storage.conf text (TOML). Syntax errors and wrongly typed values are ConfigErrors. */
export function parseStorageConf(text: string, file = 'storage.conf'): StorageConf {
  let doc: Table;
  try {
    doc = parseTOML(text) as Table;
  } catch (err) {
    const where = err instanceof TomlError ? ` (line ${err.line}, column ${err.column})` : '';
    throw new ConfigError(file, `TOML syntax error${where}: ${(err as Error).message.split('\n')[0]}`, { cause: err });
  }
  const unknownKeys: string[] = [];
  const conf: StorageConf = {
    options: { additionalImageStores: [], additionalLayerStores: [], legacy: {}, drivers: {} },
    unknownKeys,
  };
  for (const key of Object.keys(doc)) if (key !== 'storage') unknownKeys.push(key);
  const storage = doc['storage'];
  if (storage === undefined) return conf;
  if (!isTable(storage)) throw new ConfigError(file, '"storage" must be a table');
  const r = new Reader(file, unknownKeys);
  for (const [key, value] of Object.entries(storage)) {
    const at = `storage.${key}`;
    switch (key) {
      case 'driver':
        conf.driver = r.str(value, at);
        break;
      case 'graphroot':
        conf.graphroot = r.str(value, at);
        break;
      case 'runroot':
        conf.runroot = r.str(value, at);
        break;
      case 'rootless_storage_path':
        conf.rootlessStoragePath = r.str(value, at);
        break;
      case 'imagestore':
        conf.imagestore = r.str(value, at);
        break;
      case 'driver_priority':
        conf.driverPriority = r.strArray(value, at);
        break;
      case 'transient_store':
        conf.transientStore = r.bool(value, at);
        break;
      case 'options':
        readOptions(r, value, conf);
        break;
      default:
        unknownKeys.push(at);
    }
  }
  return conf;
}

function readOptions(r: Reader, value: unknown, conf: StorageConf): void {
  if (!isTable(value)) throw new ConfigError(r.file, '"storage.options" must be a table');
  const o = conf.options;
  for (const [key, v] of Object.entries(value)) {
    const at = `storage.options.${key}`;
    switch (key) {
      case 'additionalimagestores':
        o.additionalImageStores = r.strArray(v, at);
        break;
      case 'additionallayerstores':
        o.additionalLayerStores = r.strArray(v, at);
        break;
      case 'remap-uids':
        o.remapUids = r.str(v, at);
        break;
      case 'remap-gids':
        o.remapGids = r.str(v, at);
        break;
      case 'remap-user':
        o.remapUser = r.str(v, at);
        break;
      case 'remap-group':
        o.remapGroup = r.str(v, at);
        break;
      case 'root-auto-userns-user':
        o.rootAutoUsernsUser = r.str(v, at);
        break;
      case 'auto-userns-min-size':
        o.autoUsernsMinSize = r.uint32(v, at);
        break;
      case 'auto-userns-max-size':
        o.autoUsernsMaxSize = r.uint32(v, at);
        break;
      case 'disable-volatile':
        o.disableVolatile = r.bool(v, at);
        break;
      case 'pull_options':
        o.pullOptions = r.strTable(v, at);
        break;
      case 'thinpool':
      case 'btrfs':
      case 'zfs':
      case 'aufs':
      case 'overlay':
      case 'vfs':
        o.drivers[key] = r.strTable(v, at);
        break;
      default:
        if (LEGACY_KEYS.includes(key)) o.legacy[key] = r.scalarString(v, at);
        else r.unknown.push(at);
    }
  }
}

/** Type-checked access to TOML values, naming the key in every error. */
class Reader {
  constructor(
    readonly file: string,
    readonly unknown: string[],
  ) {}

  #fail(at: string, want: string, got: unknown): never {
    const kind = Array.isArray(got) ? 'array' : got instanceof Date ? 'date' : typeof got;
    throw new ConfigError(this.file, `"${at}" must be ${want}, not ${kind}`);
  }

  str(v: unknown, at: string): string {
    if (typeof v !== 'string') this.#fail(at, 'a string', v);
    return v;
  }

  bool(v: unknown, at: string): boolean {
    if (typeof v !== 'boolean') this.#fail(at, 'a boolean', v);
    return v;
  }

  uint32(v: unknown, at: string): number {
    const n = typeof v === 'bigint' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 0xffffffff) this.#fail(at, 'an unsigned 32-bit integer', v);
    return n;
  }

  strArray(v: unknown, at: string): string[] {
    if (!Array.isArray(v)) this.#fail(at, 'an array of strings', v);
    return v.map((item, i) => this.str(item, `${at}[${i}]`));
  }

  /** Go decodes these option values into strings; TOML booleans and numbers are written as text too. */
  scalarString(v: unknown, at: string): string {
    if (typeof v === 'string') return v;
    if (typeof v === 'boolean' || typeof v === 'number' || typeof v === 'bigint') return String(v);
    this.#fail(at, 'a string', v);
  }

  strTable(v: unknown, at: string): Record<string, string> {
    if (!isTable(v)) this.#fail(at, 'a table', v);
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v)) out[k] = this.scalarString(item, `${at}.${k}`);
    return out;
  }
}
