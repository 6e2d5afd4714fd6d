#!/usr/bin/env node
// The CLI as one ES module (the npx package, scripts/pack.mjs). The workspace build runs the
// code-cached script of src/bin/ instead (tsup.config.ts).
import { isMainThread } from 'node:worker_threads';
import { processMain } from './process-main.js';

// Library worker threads may load this very file when everything is bundled into it (npx
// package): only the main thread runs the command. The libraries are imported lazily, so a
// worker evaluates them here to reach their worker entry points.
if (isMainThread) await processMain();
else await import('@cs/store');
