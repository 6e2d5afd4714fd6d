import path from 'node:path';
import { DriverError, unknownDriver } from './errors.js';
import type { Driver, DriverFactory, DriverInitOpts, ResolvedDriverInitOpts } from './types.js';

const factories = new Map<string, DriverFactory>();
/** Names that open another driver, as in Go's config loading. */
const ALIASES: Record<string, string> = { overlay2: 'overlay' };

/** Makes a driver openable by name. Driver packages call this when imported. */
export function registerDriver(name: string, factory: DriverFactory): void {
  factories.set(name, factory);
}

export function registeredDrivers(): string[] {
  return [...factories.keys()].sort();
}

/** The name a driver reports for a requested name (`overlay2` → `overlay`). */
export function canonicalDriverName(name: string): string {
  return ALIASES[name] ?? name;
}

/** Fills home/runHome from graphRoot/runRoot (`<root>/<name>`). */
export function resolveInitOpts(name: string, opts: DriverInitOpts): ResolvedDriverInitOpts {
  const home = opts.home ?? (opts.graphRoot !== undefined ? path.join(opts.graphRoot, name) : undefined);
  const runHome = opts.runHome ?? (opts.runRoot !== undefined ? path.join(opts.runRoot, name) : undefined);
  if (!home || !runHome) {
    throw new DriverError('ERR_DRIVER_OPTION', 'a driver needs a home and a run home (or a graph root and a run root)');
  }
  return {
    home: path.resolve(home),
    runHome: path.resolve(runHome),
    ...(opts.imageStore ? { imageStoreHome: path.resolve(opts.imageStore, name) } : {}),
    options: opts.options ?? [],
    uidMaps: opts.uidMaps ?? [],
    gidMaps: opts.gidMaps ?? [],
  };
}

/** Opens a registered driver by name; an unknown name is a DriverError ERR_DRIVER_UNKNOWN. */
export async function openDriver(name: string, opts: DriverInitOpts): Promise<Driver> {
  const canonical = canonicalDriverName(name);
  const factory = factories.get(canonical);
  if (!factory) throw unknownDriver(name);
  return factory(resolveInitOpts(canonical, opts));
}
