// Public door of @cs/drivers-vfs. Importing it registers the driver as 'vfs' with @cs/drivers.
import { registerDriver } from '@cs/drivers';
import { VfsDriver } from './vfs-driver.js';

export { VfsDriver } from './vfs-driver.js';
export { parseVfsOptions, type VfsOptions } from './options.js';
export { copyTree, type CopyTreeOpts } from './copy-tree.js';

registerDriver('vfs', (init) => VfsDriver.open(init));
