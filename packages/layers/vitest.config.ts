import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Real imports, mounts and Go CLI runs: generous limits for a loaded 2-core CI machine.
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // The crash, concurrency and bench-data files each saturate the disk; run files one by one.
    fileParallelism: false,
  },
});
