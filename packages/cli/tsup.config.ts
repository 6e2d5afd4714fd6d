import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build, defineConfig, type Options } from 'tsup';
import { BUNDLE_FILE, BUNDLE_FOOTER, bundleBanner, bundleWithToEsmOnce, CACHE_GROUP_NAMES, TRAIN_ENV } from './src/bin/format.js';

type EsbuildPlugin = NonNullable<Options['esbuildPlugins']>[number];

const packages = path.resolve('..');
/** CS_CLI_OUT_DIR builds elsewhere than dist/ (to measure a build while tests use dist/). */
const outDir = process.env['CS_CLI_OUT_DIR'] ?? 'dist';

/** Replaces `from` (which must occur) in a bundled file's text. */
function patch(file: string, from: string | RegExp, to: string): { contents: string; loader: 'js' } {
  const text = readFileSync(file, 'utf8');
  const patched = text.replace(from, to);
  if (patched === text) throw new Error(`${file}: ${String(from)} not found (the command bundle's build needs it)`);
  return { contents: patched, loader: 'js' };
}

/**
 * The command bundle takes the libraries' built dist/ files, with two changes a script needs:
 * @cs/sys loads its addon with createRequire(import.meta.url), which becomes the loader's
 * __csSysRequire (src/bin/format.ts); and layers' top-level await of @cs/archive on
 * worker threads goes (the bundle's worker() entry loads @cs/archive itself).
 */
const scriptPatches: EsbuildPlugin = {
  name: 'cs-script-patches',
  setup(b) {
    b.onResolve({ filter: /^@cs\/drivers-overlay\/mount-helper$/ }, () => ({ path: path.join(packages, 'drivers-overlay', 'dist', 'mount-helper.js') }));
    b.onLoad({ filter: /[\\/]sys[\\/]dist[\\/]index\.js$/ }, (a) => {
      const out = patch(a.path, /^import \{ createRequire \} from "module";$([^]*)\bcreateRequire\(import\.meta\.url\)/m, '$1__csSysRequire');
      // Any other import.meta.url would become the worker's URL.
      if (out.contents.includes('import.meta')) throw new Error(`${a.path}: import.meta beside the addon's createRequire (the command bundle cannot map it)`);
      return out;
    });
    b.onLoad({ filter: /[\\/]layers[\\/]dist[\\/]index\.js$/ }, (a) => patch(a.path, /^if \(!isMainThread\) await import\("@cs\/archive"\);$/m, ''));
  },
};

/** dist/cli-main.cjs: all the command code as one function expression (src/bin/format.ts). */
function bundleOptions(): Options {
  return {
    config: false,
    entry: { 'cli-main': 'src/bin/bundle.ts' },
    outDir,
    format: ['cjs'],
    outExtension: () => ({ js: '.cjs' }),
    target: 'node20',
    platform: 'node',
    splitting: false,
    sourcemap: true,
    dts: false,
    clean: false,
    silent: true,
    // Less source and a smaller code cache; names kept because error classes and messages use them.
    minify: true,
    keepNames: true,
    noExternal: [/./],
    esbuildPlugins: [scriptPatches],
    banner: { js: bundleBanner(randomUUID()) },
    footer: { js: BUNDLE_FOOTER },
    esbuildOptions(o) {
      o.define = { ...o.define, 'import.meta.url': '__csUrls.worker' };
      // A script has no import(): esbuild turns the lazy imports into require() of the bundled module.
      o.supported = { ...o.supported, 'dynamic-import': false };
      o.charset = 'ascii';
      o.legalComments = 'none';
    },
  };
}

/**
 * The code caches (src/bin/train.ts): each training phase in a plain `node` of its own (without
 * NODE_OPTIONS, whose flags V8 would not match at run time) on a scratch store.
 */
function writeCodeCaches(): void {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  const dir = mkdtempSync(path.join(tmpdir(), 'cs-code-cache-'));
  const phase = (name: string) =>
    execFileSync(process.execPath, [path.join(outDir, 'cli.js')], { env: { ...env, [TRAIN_ENV]: `${name}:${dir}` }, stdio: 'inherit' });
  try {
    phase('setup');
    for (const group of CACHE_GROUP_NAMES) phase(group);
  } finally {
    phase('cleanup');
    rmSync(dir, { recursive: true, force: true });
  }
}

export default defineConfig(() => {
  rmSync(outDir, { recursive: true, force: true });
  return [
    {
      // The library (index.ts) for embedding.
      entry: ['src/index.ts'],
      outDir,
      format: ['esm'],
      // .mjs: dist/ is CommonJS for the command's files (dist/package.json).
      outExtension: () => ({ js: '.mjs' }),
      dts: { entry: 'src/index.ts' },
      target: 'node20',
      platform: 'node',
      clean: false,
      sourcemap: true,
      noExternal: [/^@cs\/(?!sys$)/, 'tar-stream', 'smol-toml'],
      external: ['@cs/sys'],
      // Bundled CommonJS code (tar-stream's stack) calls require() for Node built-ins.
      banner: { js: "import { createRequire as __csCreateRequire } from 'node:module'; const require = __csCreateRequire(import.meta.url);" },
      splitting: true,
      minify: true,
      keepNames: true,
    },
    {
      // The command: its small loader, the loaders of the library worker threads and of the
      // overlay mount helper (both found beside the bundle), then the bundle and its code caches.
      entry: {
        cli: 'src/bin/cli.ts',
        'cli-worker': 'src/bin/worker.ts',
        'mount-helper': 'src/bin/mount-helper.ts',
      },
      outDir,
      // CommonJS (dist/package.json says so): a command started without Node's ES module loader
      // and without resolving @cs/sys as a package costs ~10 ms less CPU.
      format: ['cjs'],
      outExtension: () => ({ js: '.js' }),
      target: 'node20',
      platform: 'node',
      clean: false,
      sourcemap: false,
      splitting: false,
      async onSuccess() {
        writeFileSync(path.join(outDir, 'package.json'), `${JSON.stringify({ type: 'commonjs' }, null, 2)}\n`);
        await build(bundleOptions());
        const bundle = path.join(outDir, BUNDLE_FILE);
        writeFileSync(bundle, bundleWithToEsmOnce(readFileSync(bundle, 'latin1')), 'latin1');
        writeCodeCaches();
      },
    },
  ];
});
