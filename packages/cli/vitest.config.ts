import { defineConfig } from 'vitest/config';

// Tests spawn the built CLI many times (each start opens a real store): give them room on loaded CI.
// setup-store-conf keeps any fallback to the default store inside a temp dir.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000, setupFiles: ['./test/setup-store-conf.ts'] } });
