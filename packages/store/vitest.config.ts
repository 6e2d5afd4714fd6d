import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The interop, concurrency and crash files share the Go CLI and mounts: run files one at a time.
    fileParallelism: false,
  },
});
