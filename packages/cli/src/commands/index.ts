import type { Command } from '../command.js';
import check from './check.js';
import config from './config.js';
import deleteCommand from './delete.js';
import exists from './exists.js';
import { imageContainerCommands } from './image-container-commands.js';
import { layerCommands } from './layer-commands.js';
import { gc, shutdown, wipe } from './lifecycle.js';
import metadata from './metadata.js';
import { namesCommands } from './names.js';
import setMetadata from './set-metadata.js';
import { status, version } from './status.js';
import unshare from './unshare.js';

/**
 * Every command of the tool. To add one: write src/commands/<name>.ts exporting a
 * defineCommand({...}) and list it here (order does not matter; help follows Appendix A).
 */
export const commands: readonly Command[] = [
  check,
  config,
  deleteCommand,
  exists,
  gc,
  ...layerCommands,
  ...imageContainerCommands,
  metadata,
  setMetadata,
  ...namesCommands,
  shutdown,
  status,
  unshare,
  version,
  wipe,
] as Command[];
