import type { Command } from './command.js';
import type { FlagSet } from './flags/flagset.js';
import { formatDefaults } from './flags/print-defaults.js';
import type { Output } from './output.js';
import { COMMAND_ORDER } from './command-order.js';

/** Commands in the global help's order (Appendix A); unknown extras go last, by name. */
export function orderedCommands(commands: readonly Command[]): Command[] {
  const rank = (c: Command): number => {
    const i = COMMAND_ORDER.indexOf(c.names[0]!);
    return i === -1 ? COMMAND_ORDER.length : i;
  };
  return [...commands].sort((a, b) => rank(a) - rank(b) || (a.names[0]! < b.names[0]! ? -1 : 1));
}

/**
 * Global usage (cli.md §1.6): header and command list on stdout, the option table on stderr
 * (or on stdout too for --help).
 */
export function printGlobalUsage(out: Output, commands: readonly Command[], fs: FlagSet, tableOnStdout = false): void {
  let head = 'Usage: containers-storage command [options [...]]\n\nCommands:\n\n';
  for (const c of orderedCommands(commands)) head += `  ${c.names[0]!.padEnd(30)}${c.usage}\n`;
  head += '\nOptions:\n';
  out.out(head);
  const table = formatDefaults(fs);
  if (tableOnStdout) out.out(table);
  else out.err(table);
}

/** Command usage: text on stdout, the option table (globals + command flags) on stderr. */
export function printCommandUsage(out: Output, typed: string, cmd: Command, fs: FlagSet): void {
  out.out(`Usage: containers-storage ${typed} ${cmd.optionsHelp}\n\n${cmd.usage}\n\nOptions:\n`);
  out.err(formatDefaults(fs));
}
