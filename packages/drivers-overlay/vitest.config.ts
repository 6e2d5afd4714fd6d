import { defineConfig } from 'vitest/config';

// Real mounts and the Go CLI make some tests slow; the 300-layer chain needs the most.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 60_000 },
});
