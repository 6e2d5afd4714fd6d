import { isMainThread } from 'node:worker_threads';

// The layer store loads @cs/archive only when it handles a tarball. A bundle that inlines
// everything (the CLI's npx package) starts the archive's worker threads from its own file and
// reaches their entry points through this package, so on a worker thread load it at once.
// On the main thread this only loads node:worker_threads (which the CLI loads anyway).
if (!isMainThread) await import('@cs/archive');
