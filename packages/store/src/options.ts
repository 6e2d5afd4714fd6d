import type { IDMap } from '@cs/records';
import { InvalidIDMapError } from './errors.js';

/**
 * Everything needed to open a Store (upstream StoreOptions). Build one by hand, or get the
 * library defaults (storage.conf + environment) from defaultStoreOptions().
 */
export interface StoreOptions {
  /** $RUNROOT; filled from the defaults when only graphRoot is given. */
  runRoot?: string;
  /** $GRAPHROOT; filled from the defaults when only runRoot is given. */
  graphRoot?: string;
  /** 'overlay', 'vfs' ('overlay2' is an alias); empty: detected from the graph root, else overlay, else vfs. */
  driver?: string;
  /** Driver options such as 'overlay.mountopt=nodev'; '<driver>.imagestore=<dir>' adds a read-only image store. */
  driverOptions?: string[];
  /** Container records under the run root (HEAD transient_store). */
  transientStore?: boolean;
  /** Default ID maps for new layers and containers. */
  uidMap?: IDMap[];
  gidMap?: IDMap[];
  /** Informational (config output); the roots above are what the store uses. */
  rootlessStoragePath?: string;
  pullOptions?: Record<string, string> | null;
  disableVolatile?: boolean;
  autoUsernsUser?: string;
  autoUsernsMinSize?: number;
  autoUsernsMaxSize?: number;
  /**
   * HEAD `imagestore` (split image store): new images go to `<dir>/$DRV-images`, their layers'
   * records to `<dir>/$DRV-layers/layers.json` and their data to `<dir>/$DRV`. Go 1.43 cannot
   * read such a store.
   */
  imageStore?: string;
}

/** Options with every default applied, as the Store holds them. */
export interface ResolvedStoreOptions {
  runRoot: string;
  graphRoot: string;
  driver: string;
  driverOptions: string[];
  transientStore: boolean;
  /** Absolute split image store directory, when set. */
  imageStore?: string;
  uidMap: IDMap[];
  gidMap: IDMap[];
  /** Additional read-only image stores taken from the driver options, in order. */
  additionalImageStores: string[];
  /** `pull_options` of storage.conf (empty when none). */
  pullOptions: Record<string, string>;
}

export const ROOT_GRAPH_ROOT = '/var/lib/containers/storage';
export const ROOT_RUN_ROOT = '/run/containers/storage';

/**
 * The graph roots of additional image stores named in driver options
 * (`<driver>.imagestore=<dir>`, `.imagestore=`, `additionalimagestore=`), as upstream drivers read them.
 */
export function additionalImageStores(driverOptions: readonly string[], driver: string): string[] {
  const out: string[] = [];
  for (const opt of driverOptions) {
    const eq = opt.indexOf('=');
    if (eq < 0) continue;
    const key = opt.slice(0, eq).trim().toLowerCase();
    const value = opt.slice(eq + 1).trim();
    const dot = key.lastIndexOf('.');
    const prefix = dot < 0 ? '' : key.slice(0, dot);
    const name = dot < 0 ? key : key.slice(dot + 1);
    if (name !== 'imagestore' && name !== 'additionalimagestore') continue;
    if (prefix !== '' && prefix !== driver && !(driver === 'overlay' && prefix === 'overlay2')) continue;
    for (const dir of value.split(',')) if (dir !== '') out.push(dir);
  }
  return out;
}

/** Parses 'container:host:size' triples, several concatenated with ':' (cli.md §3.15). */
export function parseIDMapString(value: string, kind: 'uid' | 'gid'): IDMap[] {
  if (value === '') return [];
  const parts = value.split(/[:,]/);
  if (parts.length % 3 !== 0) throw new InvalidIDMapError(kind, value);
  const maps: IDMap[] = [];
  for (let i = 0; i < parts.length; i += 3) {
    const nums = parts.slice(i, i + 3).map((p) => (/^\d+$/.test(p) ? Number(p) : NaN));
    if (nums.some((n) => !Number.isInteger(n) || n > 0xffffffff)) throw new InvalidIDMapError(kind, value);
    maps.push({ containerID: nums[0]!, hostID: nums[1]!, size: nums[2]! });
  }
  return maps;
}
