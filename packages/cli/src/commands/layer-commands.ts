import type { Command } from '../command.js';
import { createCommands } from './create-layer.js';
import dedup from './dedup.js';
import deleteLayer from './delete-layer.js';
import { diffCommands } from './layer-diff.js';
import { layerDataCommands } from './layer-data.js';
import { layerInfoCommands } from './layer-info.js';
import { mountCommands } from './mount.js';

/** The layer commands (cli.md §2 rows 14-16, 19, 21, 24-28, 41-47, 50-52). */
export const layerCommands: Command[] = [
  ...createCommands,
  dedup as Command,
  deleteLayer as Command,
  ...diffCommands,
  ...layerInfoCommands,
  ...layerDataCommands,
  ...mountCommands,
];
