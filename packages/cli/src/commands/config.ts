import { stat } from 'node:fs/promises';
import type { IDMap, StorageConf, StoreOptions } from '@cs/store';
import { CommandError, defineCommand } from '../command.js';
import { goErrorText } from '../go-errors.js';

/** Go idtools.IDMap JSON. */
function idMapsJSON(maps: IDMap[] | undefined): object[] | undefined {
  if (maps === undefined || maps.length === 0) return undefined;
  return maps.map((m) => ({ container_id: m.containerID, host_id: m.hostID, size: m.size }));
}

function orUndefined<T>(v: T | undefined | null | '' | 0 | false): T | undefined {
  return v === '' || v === 0 || v === false || v === null ? undefined : (v as T | undefined);
}

/** Upstream StoreOptions as encoding/json writes it (field order and omitempty of cli.md §3.2). */
export function storeOptionsJSON(o: StoreOptions & { driverPriority?: string[] }): object {
  return {
    runroot: orUndefined(o.runRoot),
    root: orUndefined(o.graphRoot),
    imagestore: orUndefined(o.imageStore),
    RootlessStoragePath: o.rootlessStoragePath ?? '',
    driver: orUndefined(o.driver),
    'driver-priority': o.driverPriority && o.driverPriority.length > 0 ? o.driverPriority : undefined,
    'driver-options': o.driverOptions && o.driverOptions.length > 0 ? o.driverOptions : undefined,
    uidmap: idMapsJSON(o.uidMap),
    gidmap: idMapsJSON(o.gidMap),
    root_auto_ns_user: orUndefined(o.autoUsernsUser),
    auto_userns_min_size: orUndefined(o.autoUsernsMinSize),
    auto_userns_max_size: orUndefined(o.autoUsernsMaxSize),
    PullOptions: o.pullOptions ? new Map(Object.entries(o.pullOptions)) : null,
    'disable-volatile': orUndefined(o.disableVolatile),
    transient_store: orUndefined(o.transientStore),
  };
}

/** A storage.conf's own settings, without any defaulting (upstream ReloadConfigurationFile into empty options). */
async function optionsFromFile(conf: StorageConf): Promise<StoreOptions & { driverPriority?: string[] }> {
  const { driverOptionsFromConf, parseIDMapString } = await import('@cs/store');
  const driver = conf.driver ?? '';
  const o: StoreOptions & { driverPriority?: string[] } = { driverOptions: [] };
  if (conf.runroot) o.runRoot = conf.runroot;
  if (conf.graphroot) o.graphRoot = conf.graphroot;
  if (conf.imagestore) o.imageStore = conf.imagestore;
  if (conf.rootlessStoragePath) o.rootlessStoragePath = conf.rootlessStoragePath;
  if (driver) o.driver = driver;
  if (conf.driverPriority) o.driverPriority = conf.driverPriority;
  for (const s of conf.options.additionalImageStores) o.driverOptions!.push(`${driver}.imagestore=${s}`);
  for (const s of conf.options.additionalLayerStores) o.driverOptions!.push(`${driver}.additionallayerstore=${s}`);
  o.driverOptions!.push(...driverOptionsFromConf(conf, driver));
  if (conf.options.remapUids) o.uidMap = parseIDMapString(conf.options.remapUids, 'uid');
  if (conf.options.remapGids) o.gidMap = parseIDMapString(conf.options.remapGids, 'gid');
  if (conf.options.rootAutoUsernsUser) o.autoUsernsUser = conf.options.rootAutoUsernsUser;
  if (conf.options.autoUsernsMinSize !== undefined) o.autoUsernsMinSize = conf.options.autoUsernsMinSize;
  if (conf.options.autoUsernsMaxSize !== undefined) o.autoUsernsMaxSize = conf.options.autoUsernsMaxSize;
  if (conf.options.disableVolatile !== undefined) o.disableVolatile = conf.options.disableVolatile;
  o.pullOptions = conf.options.pullOptions ?? null;
  if (conf.transientStore !== undefined) o.transientStore = conf.transientStore;
  return o;
}

export default defineCommand({
  names: ['config'],
  usage: 'Print the default storage configuration, or that of a configuration file',
  optionsHelp: '[configurationFile]',
  minArgs: 0,
  maxArgs: 1,
  flags: {},
  async action({ args, out, env }) {
    const { defaultStoreOptions, loadStorageConf } = await import('@cs/store');
    let options: StoreOptions & { driverPriority?: string[] };
    try {
      options = await defaultStoreOptions({ env });
    } catch (err) {
      throw new CommandError(`default: ${goErrorText(err)}`);
    }
    if (args[0] !== undefined) {
      try {
        await stat(args[0]);
        options = await optionsFromFile(await loadStorageConf(args[0]));
      } catch (err) {
        throw new CommandError(`reload: ${goErrorText(err)}`);
      }
    }
    out.json(storeOptionsJSON(options) as never);
    return 0;
  },
});
