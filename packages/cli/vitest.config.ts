import { defineConfig } from 'vitest/config';

// Tests spawn the built CLI many times (each start opens a real store): give them room on loaded CI.
export default defineConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
