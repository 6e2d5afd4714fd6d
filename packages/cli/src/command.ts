import type { Store, StoreOptions } from '@cs/store';
import type { FlagDef, FlagValue } from './flags/flagset.js';
import type { Output } from './output.js';
import type { Logger } from './logging.js';

/** A command-specific flag: its mflag names, kind, usage line and default. */
export interface CommandFlag<V extends FlagValue = FlagValue> extends FlagDef {
  default: V;
}

export function boolFlag(names: readonly string[], usage: string, def = false): CommandFlag<boolean> {
  return { names, kind: 'bool', usage, default: def };
}
export function stringFlag(names: readonly string[], usage: string, def = ''): CommandFlag<string> {
  return { names, kind: 'string', usage, default: def };
}
export function listFlag(names: readonly string[], usage: string): CommandFlag<string[]> {
  return { names, kind: 'list', usage, default: [] };
}
/** `-j/--json`, shared by most commands. */
export const JSON_FLAG = boolFlag(['-json', 'j'], 'Prefer JSON output');

type FlagValues<F extends Record<string, CommandFlag>> = { [K in keyof F]: F[K]['default'] };

/** What a command's action gets. */
export interface CommandContext<F extends Record<string, CommandFlag> = Record<string, CommandFlag>> {
  /** The open store (opened before the action, as upstream's step 11). */
  store: Store;
  /** Positional arguments after the flags. */
  args: string[];
  /** The command's own flag values. */
  flags: FlagValues<F>;
  /** The command word as typed (alias or primary name). */
  typed: string;
  /** Store options in effect (after the §1.5 rules), as given to Store.open. */
  storeOptions: StoreOptions;
  out: Output;
  log: Logger;
  /** The whole argument list of this run (for re-executing the CLI). */
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
}

/**
 * One command of the tool. `action` returns the exit status; a thrown error prints its message
 * on stderr and exits 1 (upstream step 12).
 */
export interface Command<F extends Record<string, CommandFlag> = Record<string, CommandFlag>> {
  /** Primary name first, then aliases. */
  names: readonly string[];
  /** One line for the global help and the command usage. */
  usage: string;
  /** Placeholder text after the command word in "Usage: containers-storage <cmd> …". */
  optionsHelp: string;
  minArgs: number;
  /** -1: unlimited; 0: none. */
  maxArgs: number;
  flags: F;
  action(ctx: CommandContext<F>): Promise<number>;
}

/** Identity helper that infers the flag value types for `action`. */
export function defineCommand<F extends Record<string, CommandFlag>>(cmd: Command<F>): Command<F> {
  return cmd;
}

/** An error whose message is printed as is (step 12) with a chosen exit status. */
export class CommandError extends Error {
  readonly code = 'ERR_COMMAND';
  readonly status: number;
  constructor(message: string, status = 1) {
    super(message);
    this.status = status;
  }
}
