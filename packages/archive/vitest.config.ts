import { defineConfig } from 'vitest/config';

// Tests apply real layers as root and mount overlays; on a loaded 2-core CI machine a few
// take seconds, so the default 5 s per test is too tight. Files still run in parallel.
export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
