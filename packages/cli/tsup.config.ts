import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  // The workspace libraries and their registry packages are bundled (tar-stream and smol-toml
  // cost ~30 ms of CPU per start when resolved file by file); @cs/sys stays a real dependency so
  // its install script builds the native addon.
  noExternal: [/^@cs\/(?!sys$)/, 'tar-stream', 'smol-toml'],
  external: ['@cs/sys'],
  // Bundled CommonJS code (tar-stream's stack) calls require() for Node built-ins.
  banner: { js: "import { createRequire as __csCreateRequire } from 'node:module'; const require = __csCreateRequire(import.meta.url);" },
  splitting: true,
});
