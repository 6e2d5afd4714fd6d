import type { Command } from '../command.js';
import container from './container.js';
import { containerDataCommands } from './container-data.js';
import containerParentOwners from './container-parent-owners.js';
import containers from './containers.js';
import copy from './copy.js';
import createContainer from './create-container.js';
import createImage from './create-image.js';
import deleteContainer from './delete-container.js';
import deleteImage from './delete-image.js';
import image from './image.js';
import { imageDataCommands } from './image-data.js';
import { imageDirCommands } from './image-dirs.js';
import images from './images.js';
import imagesByDigest from './images-by-digest.js';

/** The image and container commands (cli.md §3.3–3.13 incl. copy, 3.17, 3.18, 3.22, 3.23, 3.31–3.40). */
export const imageContainerCommands: Command[] = [
  createImage,
  image,
  ...imageDataCommands,
  ...imageDirCommands,
  images,
  imagesByDigest,
  deleteImage,
  createContainer,
  container,
  ...containerDataCommands,
  containerParentOwners,
  containers,
  deleteContainer,
  copy,
] as Command[];
