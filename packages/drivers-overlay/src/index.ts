// Public door of @cs/drivers-overlay. Importing it registers the driver as 'overlay' (and the
// 'overlay2' alias) with @cs/drivers.
import { registerDriver } from '@cs/drivers';
import { OverlayDriver } from './overlay-driver.js';

export { OverlayDriver } from './overlay-driver.js';
export { parseOverlayOptions, type OverlayOptions } from './options.js';
export { planOverlayMount, PAGE_SIZE, type MountPlan, type MountPlanInput } from './mount-plan.js';
export { parseMountOptions, MS } from './mount-flags.js';
export { generateLinkId, isLinkId, LINK_ID_LENGTH } from './link-id.js';
export { createLayerLayout, LayerPaths, MAX_DEPTH, readLowerEntries, layerOfLinkEntry } from './layout.js';
export { readCachedFeature, recordFeature, type CachedFeature } from './feature-cache.js';
export { backingFilesystem } from './backing-fs.js';

registerDriver('overlay', (init) => OverlayDriver.open(init));
