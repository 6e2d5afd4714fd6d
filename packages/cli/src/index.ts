// @cs/cli: the containers-storage command, plus the pieces to embed or extend it.
export { run, type RunOptions } from './main.js';
export { commands } from './commands/index.js';
export { defineCommand, boolFlag, stringFlag, listFlag, JSON_FLAG, CommandError, type Command, type CommandContext, type CommandFlag } from './command.js';
export { FlagSet, FlagError, type FlagDef, type FlagKind, type FlagValue } from './flags/flagset.js';
export { formatDefaults } from './flags/print-defaults.js';
export { applyStoreDefaults, selectsStore, type GlobalValues } from './globals.js';
export { goList, ProcessOutput, type Output } from './output.js';
export { goErrorText } from './go-errors.js';
export { parseGoDuration } from './duration.js';
