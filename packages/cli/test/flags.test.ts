import { describe, expect, it } from 'vitest';
import { FlagError, FlagSet } from '../src/flags/flagset.js';
import { formatDefaults } from '../src/flags/print-defaults.js';
import { parseGoBool } from '../src/flags/go-bool.js';

function makeSet(name = 'cmd'): { fs: FlagSet; err: string[] } {
  const err: string[] = [];
  const fs = new FlagSet(name, { err: (t) => err.push(t) });
  fs.define({ names: ['-quiet', 'q'], kind: 'bool', usage: 'Quiet' }, false);
  fs.define({ names: ['-json', 'j'], kind: 'bool', usage: 'Prefer JSON output' }, false);
  fs.define({ names: ['-file', 'f'], kind: 'string', usage: 'File' }, '');
  fs.define({ names: ['-name', 'n'], kind: 'list', usage: 'New name' }, []);
  fs.define({ names: ['-graph', 'g'], kind: 'string', usage: 'Root of the storage tree' }, '/srv/cs/root');
  return { fs, err };
}

describe('FlagSet (mflag dialect)', () => {
  it('takes values as separate words or after =, with one level of quotes removed', () => {
    const { fs } = makeSet();
    expect(fs.parse(['--file', 'a b', '-n="x y"', "-n='z'", '--graph=/g', 'pos', '--json'])).toEqual(['pos', '--json']);
    expect(fs.get('-file')).toBe('a b');
    expect(fs.get('n')).toEqual(['x y', 'z']);
    expect(fs.get('-graph')).toBe('/g');
    expect(fs.get('-json')).toBe(false);
    expect(fs.isSet('-graph')).toBe(true);
    expect(fs.isSet('-json')).toBe(false);
  });

  it('splits letter groups, a string letter taking the next word', () => {
    const { fs } = makeSet();
    expect(fs.parse(['-qjf', 'file.txt', 'x'])).toEqual(['x']);
    expect(fs.get('q')).toBe(true);
    expect(fs.get('j')).toBe(true);
    expect(fs.get('f')).toBe('file.txt');
  });

  it('reports a group with an undefined letter as a whole word', () => {
    const { fs, err } = makeSet('layers');
    expect(() => fs.parse(['-qz'])).toThrow(FlagError);
    expect(err.join('')).toBe("flag provided but not defined: -qz\nSee 'containers-storage layers --help'.\n");
  });

  it('treats single-dash long names as letter groups', () => {
    const { fs } = makeSet();
    expect(() => fs.parse(['-json'])).toThrow('flag provided but not defined: -json');
  });

  it('stops at --, at a lone - and at the first positional word', () => {
    const a = makeSet().fs;
    expect(a.parse(['-q', '--', '-j'])).toEqual(['-j']);
    const b = makeSet().fs;
    expect(b.parse(['-', '-q'])).toEqual(['-', '-q']);
    expect(b.get('q')).toBe(false);
  });

  it('accepts Go ParseBool spellings and rejects others with the two-space message', () => {
    const { fs, err } = makeSet('');
    fs.parse(['--quiet=T', '-j=0']);
    expect(fs.get('q')).toBe(true);
    expect(fs.get('j')).toBe(false);
    expect(() => fs.parse(['--quiet=maybe'])).toThrow(FlagError);
    expect(err[0]).toBe('invalid boolean value "maybe" for  --quiet: strconv.ParseBool: parsing "maybe": invalid syntax\n');
    expect(err[1]).toBe("See 'containers-storage --help'.\n");
    for (const s of ['1', 't', 'T', 'true', 'TRUE', 'True']) expect(parseGoBool(s)).toBe(true);
    for (const s of ['0', 'f', 'F', 'false', 'FALSE', 'False']) expect(parseGoBool(s)).toBe(false);
    expect(parseGoBool('yes')).toBeNull();
  });

  it('needs a value for string flags; last occurrence wins', () => {
    const { fs, err } = makeSet();
    expect(() => fs.parse(['--file'])).toThrow('flag needs an argument: --file');
    expect(err[0]).toBe('flag needs an argument: --file\n');
    const b = makeSet().fs;
    b.parse(['-g', '/a', '--graph', '/b']);
    expect(b.get('g')).toBe('/b');
  });

  it('calls usage for -h/--help/-help when undefined and reports help', () => {
    for (const word of ['-h', '--help', '-help']) {
      const { fs, err } = makeSet();
      let usage = 0;
      fs.usage = () => usage++;
      try {
        fs.parse([word]);
        expect.unreachable();
      } catch (e) {
        expect((e as FlagError).help).toBe(true);
      }
      expect(usage).toBe(1);
      expect(err).toEqual([]);
    }
  });

  it('warns about deprecated # names', () => {
    const err: string[] = [];
    const fs = new FlagSet('', { err: (t) => err.push(t) });
    fs.define({ names: ['#help', '-help'], kind: 'bool', usage: 'Print usage' }, false);
    fs.parse(['-help']);
    expect(fs.get('-help')).toBe(true);
    expect(err).toEqual(["Warning: '-help' is deprecated, it will be replaced by '--help' soon. See usage.\n"]);
  });

  it('rejects bad flag syntax', () => {
    const { fs } = makeSet();
    expect(() => fs.parse(['-=x'])).toThrow('bad flag syntax: -=x');
  });
});

describe('PrintDefaults', () => {
  it('sorts case-insensitively, shows non-zero defaults and aligns like tabwriter', () => {
    const { fs } = makeSet();
    fs.define({ names: ['-debug', 'D'], kind: 'bool', usage: 'Print debugging information' }, false);
    fs.define({ names: ['#help', '-help'], kind: 'bool', usage: 'Print usage' }, false);
    expect(formatDefaults(fs, '/root')).toBe(
      [
        '',
        '  --debug, -D                 Print debugging information',
        '  --file, -f                  File',
        '  --graph, -g=/srv/cs/root    Root of the storage tree',
        '  --help                      Print usage',
        '  --json, -j                  Prefer JSON output',
        '  --name, -n=[]               New name',
        '  --quiet, -q                 Quiet',
        '',
      ].join('\n'),
    );
  });

  it('uses a minimum width of 20 and shortens $HOME to ~', () => {
    const fs = new FlagSet('', { err: () => {} });
    fs.define({ names: ['-run', 'R'], kind: 'string', usage: 'Run root' }, '/home/u/run');
    fs.define({ names: ['-x'], kind: 'bool', usage: 'X' }, false);
    expect(formatDefaults(fs, '/home/u')).toBe(`\n  --run, -R=~/run    Run root\n  --x${' '.repeat(16)}X\n`);
    const small = new FlagSet('', { err: () => {} });
    small.define({ names: ['-x'], kind: 'bool', usage: 'X' }, false);
    expect(formatDefaults(small, '/')).toBe(`\n${'  --x'.padEnd(20)} X\n`);
  });
});
