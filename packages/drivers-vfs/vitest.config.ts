import { defineConfig } from 'vitest/config';

// Copies of a real rootfs and the Go CLI make some tests slow.
export default defineConfig({
  test: { testTimeout: 120_000, hookTimeout: 60_000 },
});
