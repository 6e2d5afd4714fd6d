import type { StoreOptions } from '@cs/store';
import type { FlagDef, FlagSet } from './flags/flagset.js';

/** The option values the global flags set (cli.md §1.4); the store part is upstream StoreOptions. */
export interface GlobalValues {
  store: StoreOptions;
  debug: boolean;
  unshare: boolean;
}

export const GLOBAL_FLAGS = {
  debug: { names: ['-debug', 'D'], kind: 'bool', usage: 'Print debugging information' },
  graph: { names: ['-graph', 'g'], kind: 'string', usage: 'Root of the storage tree' },
  run: { names: ['-run', 'R'], kind: 'string', usage: 'Root of the runtime state tree' },
  driver: { names: ['-storage-driver', 's'], kind: 'string', usage: 'Storage driver to use ($STORAGE_DRIVER)' },
  storageOpt: { names: ['-storage-opt'], kind: 'list', usage: 'Set storage driver options ($STORAGE_OPTS)' },
  imageStore: { names: ['-image-store'], kind: 'string', usage: 'Root of the separate image store' },
  transient: { names: ['-transient-store'], kind: 'bool', usage: 'Transient store' },
} as const satisfies Record<string, FlagDef>;

export const HELP_FLAG: FlagDef = { names: ['#help', '-help'], kind: 'bool', usage: 'Print usage' };

function unshareFlag(defaultOn: boolean): FlagDef {
  return { names: ['-unshare', 'U'], kind: 'bool', usage: `Run in a user namespace (default ${defaultOn})` };
}

/** Declares the global options on `fs`, each defaulting to its current value in `v`. */
export function defineGlobals(fs: FlagSet, v: GlobalValues, unshareDefault: boolean): void {
  fs.define(GLOBAL_FLAGS.debug, v.debug);
  fs.define(GLOBAL_FLAGS.graph, v.store.graphRoot ?? '');
  fs.define(GLOBAL_FLAGS.run, v.store.runRoot ?? '');
  fs.define(GLOBAL_FLAGS.driver, v.store.driver ?? '');
  fs.define(GLOBAL_FLAGS.storageOpt, v.store.driverOptions ?? []);
  fs.define(GLOBAL_FLAGS.imageStore, v.store.imageStore ?? '');
  fs.define(GLOBAL_FLAGS.transient, v.store.transientStore ?? false);
  fs.define(unshareFlag(unshareDefault), v.unshare);
}

/** Reads the global options back from a parsed flag set, on top of `base` (other StoreOptions fields kept). */
export function readGlobals(fs: FlagSet, base: GlobalValues): GlobalValues {
  const store: StoreOptions = { ...base.store };
  const str = (name: string): string => fs.get(name) as string;
  setOrDrop(store, 'graphRoot', str('-graph'));
  setOrDrop(store, 'runRoot', str('-run'));
  setOrDrop(store, 'driver', str('-storage-driver'));
  setOrDrop(store, 'imageStore', str('-image-store'));
  store.driverOptions = [...(fs.get('-storage-opt') as string[])];
  const transient = fs.get('-transient-store') as boolean;
  if (transient) store.transientStore = true;
  else delete store.transientStore;
  return { store, debug: fs.get('-debug') as boolean, unshare: fs.get('-unshare') as boolean };
}

function setOrDrop(o: StoreOptions, key: 'graphRoot' | 'runRoot' | 'driver' | 'imageStore', v: string): void {
  if (v === '') delete o[key];
  else o[key] = v;
}

/** True when one of the store-selecting options (graph, run, driver, driver options) has a value. */
export function selectsStore(o: StoreOptions): boolean {
  return !!o.graphRoot || !!o.runRoot || !!o.driver || (o.driverOptions?.length ?? 0) > 0;
}

/**
 * cli.md §1.5, step 4: options given before the command are used as they are if they select a
 * store; otherwise the whole option set (image store and transient flag included) is replaced by
 * the library defaults (storage.conf + environment), or emptied when those fail to load.
 */
export function applyStoreDefaults(before: GlobalValues, defaults: StoreOptions | null): GlobalValues {
  if (selectsStore(before.store)) return before;
  return { ...before, store: defaults === null ? { driverOptions: [] } : { ...defaults, driverOptions: [...(defaults.driverOptions ?? [])] } };
}
