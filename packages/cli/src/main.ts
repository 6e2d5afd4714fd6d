import type { Store, StoreOptions } from '@cs/store';
import { CommandError, type Command, type CommandFlag } from './command.js';
import { commands } from './commands/index.js';
import { FlagError, FlagSet } from './flags/flagset.js';
import { applyStoreDefaults, defineGlobals, HELP_FLAG, readGlobals, selectsStore, type GlobalValues } from './globals.js';
import { createLogger } from './logging.js';
import { goErrorText } from './go-errors.js';
import { goList, ProcessOutput, type Output } from './output.js';
import { loadRecords } from './libraries.js';
import { isRootless, USERNS_MARKER } from './rootless.js';
import { printCommandUsage, printGlobalUsage } from './usage.js';

/** Hooks for tests and embedding; every field defaults to the real process's. */
export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  /** Loads the library default options (storage.conf + environment). */
  loadDefaults?: () => Promise<StoreOptions>;
  commandList?: readonly Command[];
}

function findCommand(list: readonly Command[], word: string): Command | undefined {
  return list.find((c) => c.names.includes(word));
}

/** The whole pipeline of cli.md §1.2 for one argv (without the node and script words); returns the exit status. */
export async function run(argv: readonly string[], io: Output, opts: RunOptions = {}): Promise<number> {
  const env = opts.env ?? process.env;
  const list = opts.commandList ?? commands;
  const unshareDefault = isRootless(env);
  const empty: GlobalValues = { store: { driverOptions: [] }, debug: false, unshare: unshareDefault };

  const globalFlags = new FlagSet('', io);
  defineGlobals(globalFlags, empty, unshareDefault);
  globalFlags.define(HELP_FLAG, false);
  globalFlags.usage = () => printGlobalUsage(io, list, globalFlags);

  if (argv.length === 0) {
    printGlobalUsage(io, list, globalFlags);
    return 1;
  }
  let rest: string[];
  try {
    rest = globalFlags.parse(argv);
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    io.out(`${err.message} while parsing arguments (1)\n`);
    printGlobalUsage(io, list, globalFlags);
    return 1;
  }
  if (globalFlags.get('-help') === true) {
    printGlobalUsage(io, list, globalFlags, true);
    return 0;
  }
  let current = readGlobals(globalFlags, empty);
  current = applyStoreDefaults(current, selectsStore(current.store) ? null : await loadDefaultsQuietly(opts, env));

  const word = rest[0];
  if (word === undefined) {
    printGlobalUsage(io, list, globalFlags);
    return 1;
  }
  const cmd = findCommand(list, word);
  if (cmd === undefined) {
    io.out(`${word}: unrecognized command.\n`);
    return 1;
  }

  const cmdFlags = new FlagSet(word, io);
  defineGlobals(cmdFlags, current, unshareDefault);
  for (const def of Object.values(cmd.flags) as CommandFlag[]) cmdFlags.define(def, def.default);
  cmdFlags.usage = () => printCommandUsage(io, word, cmd, cmdFlags);
  let args: string[];
  try {
    args = cmdFlags.parse(rest.slice(1));
  } catch (err) {
    if (!(err instanceof FlagError)) throw err;
    return 125;
  }
  if (cmd.minArgs > 0 && args.length < cmd.minArgs) {
    io.out(`${word}: more arguments required.\n`);
    printCommandUsage(io, word, cmd, cmdFlags);
    return 1;
  }
  if (cmd.maxArgs >= 0 && args.length > cmd.maxArgs) {
    io.out(`${word}: too many arguments (${goList(args)}).\n`);
    printCommandUsage(io, word, cmd, cmdFlags);
    return 1;
  }
  current = readGlobals(cmdFlags, current);

  if (current.unshare && !env[USERNS_MARKER]) return (await import('./unshare.js')).reexecInUserNamespace(argv, io, env);

  const log = createLogger(io, current.debug);
  const so = current.store;
  log.debug(`Root: ${so.graphRoot ?? ''}`);
  log.debug(`Run Root: ${so.runRoot ?? ''}`);
  log.debug(`Driver Name: ${so.driver ?? ''}`);
  log.debug(`Driver Options: ${goList(so.driverOptions ?? [])}`);

  const confMissing = missingExplicitConf(env);
  if (confMissing !== undefined) {
    io.out(`error initializing: ${confMissing}\n`);
    return 1;
  }
  const { Store } = await import('@cs/store');
  const records = await loadRecords();
  if (io instanceof ProcessOutput && io.encoder === null) io.encoder = records.encodeGoJSON;
  let store: Store;
  try {
    store = await Store.open(so);
  } catch (err) {
    io.out(`error initializing: ${messageOf(err)}\n`);
    return 1;
  }
  const flagValues: Record<string, unknown> = {};
  for (const [key, def] of Object.entries(cmd.flags) as Array<[string, CommandFlag]>) flagValues[key] = cmdFlags.get(def.names[0]!);
  try {
    return await cmd.action({ store, args, argv, env, flags: flagValues as never, typed: word, storeOptions: so, out: io, log });
  } catch (err) {
    io.err(`${messageOf(err)}\n`);
    return err instanceof CommandError ? err.status : 1;
  } finally {
    await store.close().catch(() => {});
  }
}

/**
 * Go checks $CONTAINERS_STORAGE_CONF whenever it opens a store, whatever the flags select: a file
 * that cannot be stat'ed fails every command with `error initializing: stat <file>: <reason>`.
 */
function missingExplicitConf(env: NodeJS.ProcessEnv): string | undefined {
  const file = env['CONTAINERS_STORAGE_CONF'];
  if (!file) return undefined;
  try {
    process.getBuiltinModule('node:fs').statSync(file);
    return undefined;
  } catch (err) {
    return messageOf(err);
  }
}

async function loadDefaultsQuietly(opts: RunOptions, env: NodeJS.ProcessEnv): Promise<StoreOptions | null> {
  try {
    if (opts.loadDefaults) return await opts.loadDefaults();
    const { defaultStoreOptions } = await import('@cs/store');
    return await defaultStoreOptions({ env });
  } catch {
    return null;
  }
}

/** The text upstream prints for an error: its message, never a stack. */
export const messageOf = goErrorText;
