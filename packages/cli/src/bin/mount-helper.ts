// dist/mount-helper.js: the overlay driver's mount helper process, which the driver looks for
// beside the bundle's `import.meta.url` (drivers-overlay/src/mounter.ts).
import { loadBundle } from './load.js';

void loadBundle('mount').exports.mountHelper();
