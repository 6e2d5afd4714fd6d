import { parseGoBool } from './go-bool.js';

/** Kinds of flag the Go tool uses: booleans, strings, and repeatable string lists. */
export type FlagKind = 'bool' | 'string' | 'list';
export type FlagValue = boolean | string | string[];

/**
 * One flag, named as in Go's mflag: '-graph' is used as `--graph`, 'g' as `-g`, and a leading
 * '#' marks a deprecated, hidden name (warned about when used).
 */
export interface FlagDef {
  names: readonly string[];
  kind: FlagKind;
  usage: string;
}

/** Where the flag library writes its messages (stderr in the tool). */
export interface FlagOutput {
  err(text: string): void;
}

/** A flag error, already reported on stderr the way mflag does it. `help` marks -h/--help. */
export class FlagError extends Error {
  readonly code = 'ERR_FLAG';
  readonly help: boolean;
  constructor(message: string, help = false) {
    super(message);
    this.help = help;
  }
}

const PROGRAM = 'containers-storage';

/**
 * The Docker "mflag" dialect (cli.md §1.3): `--name value`, `--name=value`, one-letter groups,
 * `--` ends options, parsing stops at the first positional word.
 */
export class FlagSet {
  /** The command word as typed (empty for the global set): used in "See '… --help'." */
  readonly name: string;
  readonly #byName = new Map<string, FlagDef>();
  readonly #defs: FlagDef[] = [];
  readonly #values = new Map<FlagDef, FlagValue>();
  readonly #defaults = new Map<FlagDef, FlagValue>();
  readonly #set = new Set<FlagDef>();
  readonly #out: FlagOutput;
  /** Called for -h / --help / -help when they are not defined flags (prints usage). */
  usage: () => void = () => {};

  constructor(name: string, out: FlagOutput) {
    this.name = name;
    this.#out = out;
  }

  /** Defines a flag with a default value; a list default is copied and appended to on use. */
  define(def: FlagDef, defaultValue: FlagValue): void {
    for (const n of def.names) this.#byName.set(n.replace(/^#/, ''), def);
    this.#defs.push(def);
    const copy = Array.isArray(defaultValue) ? [...defaultValue] : defaultValue;
    this.#defaults.set(def, copy);
    this.#values.set(def, Array.isArray(copy) ? [...copy] : copy);
  }

  /** Current value of the flag whose names include `name` ('-graph' or 'g'). */
  get(name: string): FlagValue {
    const def = this.#byName.get(name);
    if (def === undefined) throw new Error(`flag ${name} is not defined`);
    return this.#values.get(def)!;
  }

  /** Whether the flag was given on the command line. */
  isSet(name: string): boolean {
    const def = this.#byName.get(name);
    return def !== undefined && this.#set.has(def);
  }

  /** Definitions in mflag's PrintDefaults order with their default text. */
  defaultsTable(): Array<{ names: string[]; defValue: string; usage: string }> {
    const sortKey = (d: FlagDef): string => d.names[0]!.replace(/^#/, '').replace(/^-/, '');
    const sorted = [...this.#defs].sort((a, b) => {
      const ka = sortKey(a);
      const kb = sortKey(b);
      const la = ka.toLowerCase();
      const lb = kb.toLowerCase();
      if (la !== lb) return la < lb ? -1 : 1;
      return ka < kb ? -1 : ka > kb ? 1 : 0;
    });
    return sorted.map((d) => ({
      names: d.names.filter((n) => !n.startsWith('#')) as string[],
      defValue: formatDefault(this.#defaults.get(d)!),
      usage: d.usage,
    }));
  }

  /**
   * Parses `args`; returns the positional words left. Errors are printed on stderr (with the
   * "See … --help" line) before the FlagError is thrown, as mflag's failf does.
   */
  parse(args: readonly string[]): string[] {
    const queue = [...args];
    for (;;) {
      const r = this.#parseOne(queue);
      if (r === 'seen') continue;
      if (r === 'done') return queue;
      // An undefined single-dash word: try it as a group of one-letter flags.
      const group = r.retry;
      if (group.length > 1) {
        for (const letter of group) {
          queue.unshift(`-${letter}`);
          let failed = false;
          try {
            if (this.#parseOne(queue) !== 'seen') failed = true;
          } catch (err) {
            if (!(err instanceof FlagError)) throw err;
            failed = true;
          }
          if (failed) throw this.#fail(`flag provided but not defined: -${group}`);
        }
        continue;
      }
      throw this.#fail(`flag provided but not defined: -${group}`);
    }
  }

  #fail(message: string): FlagError {
    this.#out.err(`${message}\n`);
    this.#out.err(this.name === '' ? `See '${PROGRAM} --help'.\n` : `See '${PROGRAM} ${this.name} --help'.\n`);
    return new FlagError(message);
  }

  /** One step of mflag's parseOne. */
  #parseOne(queue: string[]): 'seen' | 'done' | { retry: string } {
    const s = queue[0];
    if (s === undefined || s.length < 2 || s[0] !== '-') return 'done';
    if (s === '--') {
      queue.shift();
      return 'done';
    }
    let name = s.slice(1);
    if (name[0] === '=') throw this.#fail(`bad flag syntax: ${s}`);
    queue.shift();
    let hasValue = false;
    let value = '';
    const eq = name.indexOf('=');
    if (eq !== -1) {
      value = trimQuotes(name.slice(eq + 1));
      hasValue = true;
      name = name.slice(0, eq);
    }
    const def = this.#byName.get(name);
    if (def === undefined) {
      if (name === '-help' || name === 'help' || name === 'h') {
        this.usage();
        throw new FlagError('flag: help requested', true);
      }
      if (name.startsWith('-')) throw this.#fail(`flag provided but not defined: -${name}`);
      return { retry: name };
    }
    if (def.kind === 'bool') {
      if (hasValue) {
        const b = parseGoBool(value);
        if (b === null) {
          throw this.#fail(`invalid boolean value ${goQuote(value)} for  -${name}: strconv.ParseBool: parsing ${goQuote(value)}: invalid syntax`);
        }
        this.#values.set(def, b);
      } else {
        this.#values.set(def, true);
      }
    } else {
      if (!hasValue && queue.length > 0) {
        value = queue.shift()!;
        hasValue = true;
      }
      if (!hasValue) throw this.#fail(`flag needs an argument: -${name}`);
      if (def.kind === 'list') (this.#values.get(def) as string[]).push(value);
      else this.#values.set(def, value);
    }
    this.#set.add(def);
    if (def.names.includes(`#${name}`)) {
      const replacement = def.names.find((n) => !n.startsWith('#'));
      if (replacement !== undefined) {
        this.#out.err(`Warning: '-${name}' is deprecated, it will be replaced by '-${replacement}' soon. See usage.\n`);
      }
    }
    return 'seen';
  }
}

/** mflag trimQuotes: one level of matching outer quotes. */
function trimQuotes(s: string): string {
  if (s.length >= 2 && ((s[0] === '"' && s.endsWith('"')) || (s[0] === "'" && s.endsWith("'")))) return s.slice(1, -1);
  return s;
}

/** The DefValue text Go records for a flag: bool/string as is, lists as Go %v. */
function formatDefault(v: FlagValue): string {
  if (Array.isArray(v)) return `[${v.join(' ')}]`;
  return String(v);
}

/** Go's %q for the strings flag errors quote (ASCII-safe subset is enough here; others escaped as JSON does). */
export function goQuote(s: string): string {
  let out = '"';
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    if (ch === '"') out += '\\"';
    else if (ch === '\\') out += '\\\\';
    else if (ch === '\n') out += '\\n';
    else if (ch === '\t') out += '\\t';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\x07') out += '\\a';
    else if (ch === '\b') out += '\\b';
    else if (ch === '\f') out += '\\f';
    else if (ch === '\v') out += '\\v';
    else if (c < 0x20 || c === 0x7f) out += `\\x${c.toString(16).padStart(2, '0')}`;
    else if (c >= 0x80 && c < 0xa0) out += `\\u${c.toString(16).padStart(4, '0')}`;
    else out += ch;
  }
  return `${out}"`;
}
