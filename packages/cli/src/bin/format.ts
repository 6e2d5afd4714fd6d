// The layout shared by the build (tsup.config.ts), the loader (load.ts) and the bundle.

/** The command code as one script (every @cs library bundled), compiled with a V8 code cache. */
export const BUNDLE_FILE = 'cli-main.cjs';
/** What library worker threads load (the bundle's `import.meta.url`). */
export const WORKER_FILE = 'cli-worker.js';
/** Set to `PHASE:DIR`, the loader runs a training phase (train.ts) instead of a command. */
export const TRAIN_ENV = 'CS_CLI_BUILD_CODE_CACHE';

/**
 * V8 deserializes a code cache whole, so one cache trained on every command would cost each
 * command the compiled code of all the others. Each group has its own cache, trained on its
 * commands alone; commands not listed use `list`. `layers`, the usual quick listing, has one
 * of its own.
 */
export const CACHE_GROUPS = {
  list: [] as string[],
  layers: ['layers'],
  changes: ['changes', 'diffsize', 'diff-size', 'diff'],
  mount: ['mount', 'unmount', 'umount', 'mounted'],
  write: [
    'create-layer', 'createlayer', 'import-layer', 'importlayer', 'applydiff', 'apply-diff', 'create-image', 'createimage',
    'create-container', 'createcontainer', 'delete-layer', 'deletelayer', 'delete-image', 'deleteimage',
    'delete-container', 'deletecontainer', 'delete', 'wipe',
  ],
};
export type CacheGroup = keyof typeof CACHE_GROUPS;
export const CACHE_GROUP_NAMES = Object.keys(CACHE_GROUPS) as CacheGroup[];
/** Library worker threads run archive code: the cache of the commands that start them. */
export const WORKER_CACHE_GROUP: CacheGroup = 'write';

export function cacheFile(group: CacheGroup): string {
  return `cli-main.${group}.cache`;
}

/** Global options that take a value as the next argument (cli.md §1.4). */
const VALUE_FLAGS = new Set(['graph', 'g', 'run', 'R', 'storage-driver', 's', 'storage-opt', 'image-store']);

/** The cache group of a command line: its first word that is not an option (a guess: any cache is valid). */
export function cacheGroupOf(argv: readonly string[]): CacheGroup {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return cacheGroupOfWord(argv[i + 1]);
    if (!a.startsWith('-') || a === '-') return cacheGroupOfWord(a);
    const name = a.replace(/^--?/, '');
    if (!name.includes('=') && VALUE_FLAGS.has(name)) i++;
  }
  return 'list';
}

function cacheGroupOfWord(word: string | undefined): CacheGroup {
  for (const group of CACHE_GROUP_NAMES) if (word !== undefined && CACHE_GROUPS[group].includes(word)) return group;
  return 'list';
}

/** What the loader passes to the bundle's function; esbuild's CommonJS output uses the first five. */
export const BUNDLE_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', '__csUrls', '__csSysRequire', '__csToEsm'] as const;

const ID_PREFIX = '/*cs-build:';
const ID_LENGTH = 36; // a UUID

/**
 * The bundle starts with a per-build id, so a cache can never be applied to another build of
 * it (V8 itself only compares the source length), then opens the function the loader calls.
 * `import.meta.url` is `__csUrls.worker` in the bundle (made on first use: most commands never
 * start a worker); @cs/sys's `createRequire(import.meta.url)` is __csSysRequire, which loads
 * its addon from the installed @cs/sys without node:module and module resolution. __csToEsm
 * wraps esbuild's __toESM helper (bundleWithToEsmOnce).
 */
export function bundleBanner(buildId: string): string {
  if (buildId.length !== ID_LENGTH) throw new Error(`build id must have ${ID_LENGTH} characters`);
  return `${ID_PREFIX}${buildId}*/(function (${BUNDLE_PARAMS.join(', ')}) {`;
}

export const BUNDLE_FOOTER = '})';

/**
 * esbuild's __toESM helper as minified: every `import fs from 'node:fs'` (or `* as`) of a module
 * calls it, and each call copies every property of the built-in module onto a new object.
 */
const TO_ESM_HELPER = /\bvar ([\w$]+)=\(([\w$]),([\w$]),([\w$])\)=>\(\4=\2!=null\?[\w$]+\([\w$]+\(\2\)\):\{\},[\w$]+\(\3\|\|!\2\|\|!\2\.__esModule\?/;

/**
 * The bundle text with its footer line (which maps to no source) also rebinding esbuild's
 * __toESM helper to __csToEsm(helper), so a built-in module is copied once, not once per
 * importing module (30 times for node:path). Throws when the helper is not found.
 */
export function bundleWithToEsmOnce(text: string): string {
  const name = TO_ESM_HELPER.exec(text)?.[1];
  if (name === undefined) throw new Error("the command bundle's build cannot find esbuild's __toESM helper");
  const footer = `\n${BUNDLE_FOOTER}\n`;
  const at = text.lastIndexOf(footer);
  if (at < 0) throw new Error('the command bundle has no footer line');
  return `${text.slice(0, at)}\n${name}=__csToEsm(${name});${BUNDLE_FOOTER}\n${text.slice(at + footer.length)}`;
}

/** The build id of a bundle's source text, or undefined if it does not start with one. */
export function bundleBuildId(source: string): string | undefined {
  return source.startsWith(ID_PREFIX) ? source.slice(ID_PREFIX.length, ID_PREFIX.length + ID_LENGTH) : undefined;
}

/** A cache file: this line, then the V8 data. */
export function cacheHeader(buildId: string): string {
  return `cs-code-cache:${buildId}\n`;
}
