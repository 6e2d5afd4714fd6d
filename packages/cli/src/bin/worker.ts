// Entry of the library worker threads the bundled command starts: the bundle's `import.meta.url`
// names this file, and the worker code of @cs/archive starts when the library is evaluated.
import { WORKER_CACHE_GROUP } from './format.js';
import { loadBundle } from './load.js';

void loadBundle(WORKER_CACHE_GROUP).exports.worker();
