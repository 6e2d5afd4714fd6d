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
export const BUNDLE_PARAMS = ['exports', 'require', 'module', '__filename', '__dirname', '__csWorkerUrl', '__csSysUrl'] as const;

const ID_PREFIX = '/*cs-build:';
const ID_LENGTH = 36; // a UUID

/**
 * The bundle starts with a per-build id, so a cache can never be applied to another build of
 * it (V8 itself only compares the source length), then opens the function the loader calls.
 * `import.meta.url` is __csWorkerUrl in the bundle, except in @cs/sys, where it is __csSysUrl
 * (the URL of its dist/index.js, beside which its addon is built).
 */
export function bundleBanner(buildId: string): string {
  if (buildId.length !== ID_LENGTH) throw new Error(`build id must have ${ID_LENGTH} characters`);
  return `${ID_PREFIX}${buildId}*/(function (${BUNDLE_PARAMS.join(', ')}) {`;
}

export const BUNDLE_FOOTER = '})';

/** The build id of a bundle's source text, or undefined if it does not start with one. */
export function bundleBuildId(source: string): string | undefined {
  return source.startsWith(ID_PREFIX) ? source.slice(ID_PREFIX.length, ID_PREFIX.length + ID_LENGTH) : undefined;
}

/** A cache file: this line, then the V8 data. */
export function cacheHeader(buildId: string): string {
  return `cs-code-cache:${buildId}\n`;
}
