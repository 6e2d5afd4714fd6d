// Built as CommonJS (tsup.config.ts): the command starts without Node's ES module loader.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Script } from 'node:vm';
import { BUNDLE_FILE, bundleBuildId, cacheFile, cacheHeader, type CacheGroup, WORKER_FILE } from './format.js';

/** What src/bin/bundle.ts exports. */
export interface BundleExports {
  main(): Promise<never>;
  worker(): Promise<unknown>;
  mountHelper(): Promise<unknown>;
  train(phase: string, dir: string): Promise<void>;
}

type BundleFunction = (
  exports: object, require: (id: string) => unknown, module: { exports: object }, filename: string, dirname: string,
  urls: { readonly worker: string }, sysRequire: (relative: string) => unknown, toEsm: (helper: ToEsm) => ToEsm,
) => void;

/**
 * Built-ins that bundled modules import at their top level but most commands never call (the
 * archive's tools and workers, hashing, …): loaded on first use. esbuild reads named imports
 * as properties of the module object at each use, so a proxy is enough. fs/promises (1.5 ms to
 * load, with readline and fs watchers) is among them: store and driver opening make their few
 * file-system calls synchronously, so a listing never loads it.
 */
const LAZY_BUILTINS = new Set([
  'child_process', 'crypto', 'fs/promises', 'zlib', 'worker_threads', 'os', 'stream', 'stream/promises', 'timers/promises',
]);

function lazyBuiltin(id: string): object {
  let mod: object | undefined;
  const real = (): object => (mod ??= require(id) as object);
  return new Proxy({}, {
    get: (_, key) => Reflect.get(real(), key),
    has: (_, key) => Reflect.has(real(), key),
    ownKeys: () => Reflect.ownKeys(real()),
    getOwnPropertyDescriptor: (_, key) => {
      const d = Reflect.getOwnPropertyDescriptor(real(), key);
      return d && { ...d, configurable: true }; // the proxy's empty target has no such property
    },
  });
}

/** What bundleRequire returned: the bundle requires only Node's built-in modules. */
const builtins = new Set<unknown>();

function bundleRequire(id: string): unknown {
  const mod = LAZY_BUILTINS.has(id.startsWith('node:') ? id.slice(5) : id) ? lazyBuiltin(id) : require(id);
  builtins.add(mod);
  return mod;
}

type ToEsm = (mod: unknown, isNodeMode?: unknown) => unknown;

/**
 * esbuild's __toESM (format.ts bundleWithToEsmOnce), made once per built-in module: its result
 * only has getters reading the module, so importers can share it.
 */
function toEsmOnce(toEsm: ToEsm): ToEsm {
  const made = new Map<unknown, unknown>();
  return (mod, isNodeMode) => {
    if (!isNodeMode || !builtins.has(mod)) return toEsm(mod, isNodeMode);
    let ns = made.get(mod);
    if (ns === undefined) made.set(mod, (ns = toEsm(mod, isNodeMode)));
    return ns;
  };
}

/** @cs/sys is found as Node would (node_modules upwards); the bundle loads its addon from there. */
function sysPackageDir(): string {
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    const candidate = path.join(dir, 'node_modules', '@cs', 'sys');
    if (existsSync(candidate)) return candidate;
    if (dir === path.dirname(dir)) throw new Error('cannot find the @cs/sys package');
  }
}

/**
 * @cs/sys's `createRequire(import.meta.url)(relative)`, for its addon: what require() does for a
 * `.node` file (process.dlopen), without loading node:module or resolving a package.
 */
function sysRequire(relative: string): unknown {
  const addon = { exports: {} };
  process.dlopen(addon, path.resolve(sysPackageDir(), 'dist', relative));
  return addon.exports;
}

function readCache(file: string, buildId: string): Buffer | undefined {
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return undefined; // no cache: V8 compiles from source
  }
  const header = cacheHeader(buildId);
  if (data.length <= header.length || data.toString('latin1', 0, header.length) !== header) return undefined;
  return data.subarray(header.length);
}

interface Loaded {
  exports: BundleExports;
  script: Script;
  buildId: string;
}

/**
 * Compiles and runs the bundle beside this file. Node 20 has no compile cache for modules, and
 * compiling the bundle at every start costs more CPU than everything else a small command does;
 * a script compiled with the code cache made at build time skips parsing and most lazy compiles.
 * V8 rejects a cache of another V8 version or flag set, and the source is then compiled as usual.
 */
export function loadBundle(group: CacheGroup | null): Loaded {
  const file = path.join(__dirname, BUNDLE_FILE);
  // esbuild writes ASCII only (charset: 'ascii'), so latin1 decodes it exactly and fastest.
  const source = readFileSync(file, 'latin1');
  const buildId = bundleBuildId(source);
  if (buildId === undefined) throw new Error(`internal error: ${file} has no build id`);
  const cachedData = group === null ? undefined : readCache(path.join(__dirname, cacheFile(group)), buildId);
  const script = new Script(source, { filename: file, cachedData });
  const fn = script.runInThisContext() as BundleFunction;
  const module = { exports: {} as BundleExports };
  let workerUrl: string | undefined;
  const urls = {
    get worker(): string {
      return (workerUrl ??= pathToFileURL(path.join(__dirname, WORKER_FILE)).href);
    },
  };
  fn(module.exports, bundleRequire, module, file, __dirname, urls, sysRequire, toEsmOnce);
  return { exports: module.exports, script, buildId };
}

/** Build step: one training phase (train.ts); a cache group's phase then writes its cache. */
export async function runTrainingPhase(spec: string): Promise<void> {
  const colon = spec.indexOf(':');
  const [phase, dir] = [spec.slice(0, colon), spec.slice(colon + 1)];
  const { exports, script, buildId } = loadBundle(null);
  await exports.train(phase, dir);
  if (phase === 'setup' || phase === 'cleanup') return;
  const file = path.join(__dirname, cacheFile(phase as CacheGroup));
  writeFileSync(`${file}.tmp`, Buffer.concat([Buffer.from(cacheHeader(buildId), 'latin1'), script.createCachedData()]));
  renameSync(`${file}.tmp`, file);
}
