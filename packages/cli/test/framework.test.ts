import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMMAND_ORDER } from '../src/command-order.js';
import { commands } from '../src/commands/index.js';
import { cs, tempStore, type TempStore } from './helpers.js';

let store: TempStore;
beforeAll(async () => {
  store = await tempStore('vfs');
});
afterAll(async () => {
  await store.cleanup();
});

const GLOBAL_TABLE_START = '\n  --debug, -D ';
const registered = [...commands].map((c) => c.names[0]!).sort((a, b) => COMMAND_ORDER.indexOf(a) - COMMAND_ORDER.indexOf(b));

describe('global usage and help (cli.md §1.6)', () => {
  it('no arguments: usage on stdout, option table on stderr, exit 1', async () => {
    const r = await cs([]);
    expect(r.status).toBe(1);
    expect(r.stdout.startsWith('Usage: containers-storage command [options [...]]\n\nCommands:\n\n')).toBe(true);
    expect(r.stdout.endsWith('\nOptions:\n')).toBe(true);
    expect(r.stderr.startsWith(GLOBAL_TABLE_START)).toBe(true);
    expect(r.stderr).toContain('  --storage-opt=[]        Set storage driver options ($STORAGE_OPTS)\n');
  });

  it('lists every command once, in Appendix A order, names padded to 30 columns', async () => {
    const r = await cs([]);
    const lines = r.stdout.split('\n').filter((l) => /^ {2}\S/.test(l));
    expect(lines.map((l) => l.slice(2, 32).trimEnd())).toEqual(registered);
    for (const l of lines) expect(l[32]).not.toBe(' ');
  });

  it('--help prints everything on stdout and exits 0', async () => {
    const r = await cs(['--help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
    expect(r.stdout).toContain(`\nOptions:\n${GLOBAL_TABLE_START}`);
    expect(r.stdout).toContain('  --help                  Print usage\n');
  });

  it('-help warns that it is deprecated', async () => {
    const r = await cs(['-help']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe("Warning: '-help' is deprecated, it will be replaced by '--help' soon. See usage.\n");
  });

  it('-h is not a flag at global level: usage twice, exit 1', async () => {
    const r = await cs(['-h']);
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('\nOptions:\nflag: help requested while parsing arguments (1)\nUsage: containers-storage command');
    expect(r.stderr.split('--debug, -D').length - 1).toBe(2);
  });

  it('global options but no command: usage, exit 1', async () => {
    const r = await cs(store.flags);
    expect(r.status).toBe(1);
    expect(r.stdout.startsWith('Usage: containers-storage command')).toBe(true);
  });
});

describe('flag and argument errors (cli.md §1.3, §1.7)', () => {
  it('global flag errors: message on stderr and stdout, usage, exit 1', async () => {
    for (const [args, msg] of [
      [['--bogus', 'status'], 'flag provided but not defined: --bogus'],
      [['-qz', 'status'], 'flag provided but not defined: -qz'],
      [['--debug=maybe', 'status'], 'invalid boolean value "maybe" for  --debug: strconv.ParseBool: parsing "maybe": invalid syntax'],
      [['-g'], 'flag needs an argument: -g'],
    ] as const) {
      const r = await cs(args);
      expect(r.status).toBe(1);
      expect(r.stderr.startsWith(`${msg}\nSee 'containers-storage --help'.\n${GLOBAL_TABLE_START}`)).toBe(true);
      expect(r.stdout.startsWith(`${msg} while parsing arguments (1)\nUsage: containers-storage command`)).toBe(true);
    }
  });

  it('unknown command: one line on stdout, exit 1', async () => {
    const r = await cs([...store.flags, 'nosuch', '--json']);
    expect(r).toEqual({ status: 1, stdout: 'nosuch: unrecognized command.\n', stderr: '' });
  });

  it('command flag errors exit 125 with nothing on stdout; the typed word names the command', async () => {
    const r = await cs([...store.flags, 'getnames', '--bogus', 'x']);
    expect(r).toEqual({ status: 125, stdout: '', stderr: "flag provided but not defined: --bogus\nSee 'containers-storage getnames --help'.\n" });
    const v = await cs([...store.flags, 'exists', '-q=perhaps', 'x']);
    expect(v.status).toBe(125);
    expect(v.stderr).toContain('invalid boolean value "perhaps" for  -q:');
  });

  it('<cmd> --help and -h print the command usage and exit 125', async () => {
    for (const h of ['--help', '-h', '-help']) {
      const r = await cs([...store.flags, 'status', h]);
      expect(r.status).toBe(125);
      expect(r.stdout).toBe('Usage: containers-storage status \n\nCheck on graph driver status\n\nOptions:\n');
      expect(r.stderr).toContain(`  --graph, -g=${store.graph}`);
      expect(r.stderr).toContain('  --storage-driver, -s=vfs');
      expect(r.stderr).toContain('  --json, -j ');
      expect(r.stderr).not.toContain('--help');
    }
  });

  it('too few and too many arguments: message, usage, exit 1', async () => {
    const few = await cs([...store.flags, 'getnames']);
    expect(few.status).toBe(1);
    expect(few.stdout).toBe('getnames: more arguments required.\nUsage: containers-storage getnames [options [...]] imageOrContainerNameOrID\n\nGet layer, image, or container name or names\n\nOptions:\n');
    const many = await cs([...store.flags, 'status', 'a', 'b c']);
    expect(many.status).toBe(1);
    expect(many.stdout.startsWith('status: too many arguments ([a b c]).\nUsage: containers-storage status \n')).toBe(true);
  });

  it('options stop at the first positional word; -- ends them', async () => {
    const r = await cs([...store.flags, 'exists', 'x', '--json']);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('x: false\n--json: false\n');
    const d = await cs([...store.flags, 'exists', '--', '-q']);
    expect(d.stdout).toBe('-q: false\n');
  });

  it('global options may follow the command name, later ones winning', async () => {
    const conf = path.join(store.dir, 'empty.conf');
    await writeFile(conf, '');
    const r = await cs(['status', ...store.flags, '--graph', `${store.graph}2`, '--json'], { env: { ...process.env, CONTAINERS_STORAGE_CONF: conf } });
    expect(r.status).toBe(0);
    expect(JSON.parse(r.stdout)[0]).toEqual(['Root', `${store.graph}2`]);
  });
});

describe('store options (cli.md §1.5)', () => {
  let dir: string;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'cs-cli-conf-'));
    const conf = path.join(dir, 'storage.conf');
    await writeFile(conf, `[storage]\ndriver = "vfs"\ngraphroot = "${dir}/confroot"\nrunroot = "${dir}/confrun"\n[storage.options.vfs]\nignore_chown_errors = "true"\n`);
    env = { ...process.env, CONTAINERS_STORAGE_CONF: conf };
    delete env['STORAGE_DRIVER'];
    delete env['STORAGE_OPTS'];
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  const pairs = (stdout: string): Record<string, string> => Object.fromEntries(JSON.parse(stdout) as Array<[string, string]>);

  it('without store flags before the command the configuration is used', async () => {
    const r = await cs(['status', '-j'], { env });
    expect(r.status).toBe(0);
    expect(pairs(r.stdout)).toMatchObject({ Root: `${dir}/confroot`, 'Run Root': `${dir}/confrun`, 'Driver Name': 'vfs', 'Driver Options': '[vfs.ignore_chown_errors=true]' });
  });

  it('flags after the command apply on top of the configuration, --storage-opt appending', async () => {
    const r = await cs(['status', '-j', '--graph', `${dir}/after`, '--storage-opt', 'vfs.ignore_chown_errors=false'], { env });
    expect(pairs(r.stdout)).toMatchObject({ Root: `${dir}/after`, 'Run Root': `${dir}/confrun`, 'Driver Options': '[vfs.ignore_chown_errors=true vfs.ignore_chown_errors=false]' });
  });

  it('a store flag before the command ignores the configuration entirely', async () => {
    const r = await cs(['--graph', `${dir}/before`, '--run', `${dir}/beforerun`, '-s', 'vfs', 'status', '-j'], { env });
    expect(pairs(r.stdout)).toMatchObject({ Root: `${dir}/before`, 'Driver Options': '[]' });
    const only = await cs(['-s', 'vfs', 'status'], { env });
    expect(only).toEqual({ status: 1, stdout: 'error initializing: no storage runroot or graphroot specified: missing necessary StoreOptions\n', stderr: '' });
  });

  it('configured driver options stay in force under driver flags given after the command', async () => {
    const conf = path.join(dir, 'overlay.conf');
    await writeFile(conf, `[storage]\ndriver = "overlay"\ngraphroot = "${dir}/ovroot"\nrunroot = "${dir}/ovrun"\n[storage.options.overlay]\nmountopt = "nodev"\n`);
    const e = { ...env, CONTAINERS_STORAGE_CONF: conf };
    const after = await cs(['status', '--graph', `${dir}/a`, '--run', `${dir}/ar`, '--storage-driver', 'vfs'], { env: e });
    expect(after).toEqual({ status: 1, stdout: 'error initializing: vfs driver does not support overlay.mountopt options\n', stderr: '' });
    const before = await cs(['--graph', `${dir}/a`, '--run', `${dir}/ar`, '--storage-driver', 'vfs', 'status'], { env: e });
    expect(before.status).toBe(0);
  });

  it('STORAGE_DRIVER and STORAGE_OPTS count only without store flags; STORAGE_OPTS replaces configured options', async () => {
    const e = { ...env, STORAGE_OPTS: 'vfs.ignore_chown_errors=false' };
    expect(pairs((await cs(['status', '-j'], { env: e })).stdout)['Driver Options']).toBe('[vfs.ignore_chown_errors=false]');
    const r = await cs(['-g', `${dir}/x`, '-R', `${dir}/xr`, '-s', 'vfs', 'status', '-j'], { env: { ...e, STORAGE_DRIVER: 'overlay' } });
    expect(pairs(r.stdout)).toMatchObject({ 'Driver Name': 'vfs', 'Driver Options': '[]' });
  });

  it('--image-store before the command is lost when the configuration replaces the set', async () => {
    const r = await cs(['--image-store', `${dir}/img`, 'status', '-j'], { env });
    expect(r.status).toBe(0);
    expect(pairs(r.stdout).Root).toBe(`${dir}/confroot`);
  });
});

describe('--debug logging (cli.md §1.8)', () => {
  it('prints the four option lines on stderr in logrus text format, nothing on stdout', async () => {
    const r = await cs(['--debug', '-g', 'rel/root', '-R', store.run, '-s', 'vfs', 'exists', 'x'], { cwd: store.dir });
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines.slice(0, 4).map((l) => l.replace(/^time="[^"]+" /, ''))).toEqual([
      'level=debug msg="Root: rel/root"',
      `level=debug msg="Run Root: ${store.run}"`,
      'level=debug msg="Driver Name: vfs"',
      'level=debug msg="Driver Options: []"',
    ]);
    expect(lines[0]).toMatch(/^time="\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)" /);
    expect(r.stdout).toBe('x: false\n');
  });

  it('--debug=false after --debug turns it off: no stderr on success', async () => {
    const r = await cs(['--debug', ...store.flags, 'version', '--debug=false', '-j']);
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('');
  });
});

describe('--unshare (cli.md §1.4)', () => {
  it('shows its default in the help', async () => {
    const r = await cs(['--help']);
    expect(r.stdout).toMatch(/ {2}--unshare, -U(=true)? +Run in a user namespace \(default (true|false)\)\n/);
  });

  it('says clearly when no unshare helper is available', async () => {
    const r = await cs(['-U', ...store.flags, 'version'], { env: { ...process.env, PATH: '/nonexistent' } });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('the "unshare" program of util-linux was not found');
  });
});

describe('bad input never shows a stack trace', () => {
  it('a corrupt layers.json fails the store open with a one-line message', async () => {
    const s = await tempStore('vfs');
    try {
      expect((await cs([...s.flags, 'exists', '-q', 'x'])).status).toBe(1);
      await writeFile(path.join(s.graph, 'vfs-layers', 'layers.json'), '{bad');
      const r = await cs([...s.flags, 'exists', 'x']);
      expect(r.status).toBe(1);
      expect(r.stderr).toBe('');
      expect(r.stdout).toMatch(/^error initializing: .*layers\.json.*\n$/);
    } finally {
      await s.cleanup();
    }
  });
});
