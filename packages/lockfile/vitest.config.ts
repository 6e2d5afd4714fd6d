import { defineConfig } from 'vitest/config';

// Cross-process tests start python3, node and the Go CLI: give them room on a loaded 2-core CI box.
export default defineConfig({
  test: { testTimeout: 20_000, hookTimeout: 20_000 },
});
