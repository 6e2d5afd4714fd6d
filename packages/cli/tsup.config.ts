import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts', 'src/cli.ts'],
  format: ['esm'],
  dts: { entry: 'src/index.ts' },
  target: 'node20',
  platform: 'node',
  clean: true,
  sourcemap: true,
  // One self-contained file for the workspace libraries; @cs/sys stays a real dependency so its
  // install script builds the native addon, and registry packages stay external.
  noExternal: [/^@cs\/(?!sys$)/],
  external: ['@cs/sys', 'tar-stream', 'smol-toml'],
  splitting: true,
});
