import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConfigError,
  IncompleteOptionsError,
  InvalidIDMapError,
  additionalImageStores,
  defaultStoreOptions,
  parseIDMapString,
  parseStorageConf,
  resolveStoreOptions,
  storageConfPath,
} from '../src/index.js';

let tmp: string;
beforeAll(async () => {
  tmp = await mkdtemp(path.join(os.tmpdir(), 'cs-store-conf-'));
});
afterAll(async () => {
  await rm(tmp, { recursive: true, force: true });
});

const DEBIAN = `
[storage]
driver = "overlay"
runroot = "/run/containers/storage"
graphroot = "/var/lib/containers/storage"
[storage.options]
additionalimagestores = [
]
pull_options = {enable_partial_images = "false", use_hard_links = "false", ostree_repos=""}
[storage.options.overlay]
mountopt = "nodev"
[storage.options.thinpool]
`;

async function conf(name: string, text: string): Promise<string> {
  const file = path.join(tmp, name);
  await writeFile(file, text);
  return file;
}

describe('parseStorageConf', () => {
  it('reads the Debian default file', () => {
    const c = parseStorageConf(DEBIAN);
    expect(c.driver).toBe('overlay');
    expect(c.graphroot).toBe('/var/lib/containers/storage');
    expect(c.options.drivers['overlay']).toEqual({ mountopt: 'nodev' });
    expect(c.options.pullOptions).toEqual({ enable_partial_images: 'false', use_hard_links: 'false', ostree_repos: '' });
    expect(c.unknownKeys).toEqual([]);
  });

  it('keeps unknown keys as warnings, not errors', () => {
    const c = parseStorageConf('[storage]\nfuture_key = 1\n[storage.options]\nwhatever = "x"\n[other]\n');
    expect(c.unknownKeys.sort()).toEqual(['other', 'storage.future_key', 'storage.options.whatever']);
  });

  it('rejects TOML syntax errors with a ConfigError naming the line', () => {
    let err: unknown;
    try {
      parseStorageConf('[storage]\ndriver = "overlay\n', '/x/storage.conf');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).code).toBe('ERR_STORE_CONFIG');
    expect((err as Error).message).toMatch(/\/x\/storage\.conf: TOML syntax error \(line 2/);
  });

  it('rejects wrongly typed values', () => {
    expect(() => parseStorageConf('[storage]\ndriver = 3\n')).toThrow(/"storage.driver" must be a string/);
    expect(() => parseStorageConf('[storage.options]\nadditionalimagestores = "x"\n')).toThrow(/must be an array of strings/);
    expect(() => parseStorageConf('[storage]\ntransient_store = "yes"\n')).toThrow(/must be a boolean/);
    expect(() => parseStorageConf('[storage.options]\nauto-userns-max-size = -1\n')).toThrow(/unsigned 32-bit/);
    expect(() => parseStorageConf('storage = 1\n')).toThrow(ConfigError);
  });
});

describe('defaultStoreOptions', () => {
  it('root: CONTAINERS_STORAGE_CONF wins, overlay table becomes driver options, STORAGE_DRIVER/STORAGE_OPTS override', async () => {
    const file = await conf('root.conf', DEBIAN.replace('[storage.options]', '[storage.options]\nadditionalimagestores = ["/ro1"]').replace('additionalimagestores = [\n]', ''));
    const env = { CONTAINERS_STORAGE_CONF: file, HOME: tmp };
    const o = await defaultStoreOptions({ env, uid: 0 });
    expect(o.driver).toBe('overlay');
    expect(o.graphRoot).toBe('/var/lib/containers/storage');
    expect(o.runRoot).toBe('/run/containers/storage');
    expect(o.driverOptions).toEqual(['overlay.imagestore=/ro1', 'overlay.mountopt=nodev']);
    const withEnv = await defaultStoreOptions({ env: { ...env, STORAGE_DRIVER: 'vfs', STORAGE_OPTS: 'vfs.ignore_chown_errors=true,x=y' }, uid: 0 });
    expect(withEnv.driver).toBe('vfs');
    expect(withEnv.driverOptions).toEqual(['vfs.ignore_chown_errors=true', 'x=y']);
    const emptyOpts = await defaultStoreOptions({ env: { ...env, STORAGE_OPTS: '' }, uid: 0 });
    expect(emptyOpts.driverOptions).toEqual([]);
  });

  it('overlay2 is rewritten to overlay and legacy option keys still count', async () => {
    const file = await conf('legacy.conf', '[storage]\ndriver = "overlay2"\n[storage.options]\nmount_program = "/usr/bin/fuse-overlayfs"\n');
    const o = await defaultStoreOptions({ env: { CONTAINERS_STORAGE_CONF: file }, uid: 0 });
    expect(o.driver).toBe('overlay');
    expect(o.driverOptions).toEqual(['overlay.mount_program=/usr/bin/fuse-overlayfs']);
  });

  it('expands $UID and $HOME in paths', async () => {
    const file = await conf('expand.conf', '[storage]\ngraphroot = "$HOME/g-$UID"\nrunroot = "${HOME}/r"\n');
    const o = await defaultStoreOptions({ env: { CONTAINERS_STORAGE_CONF: file, HOME: '/nonexistent-home' }, uid: 0 });
    expect(o.graphRoot).toBe('/nonexistent-home/g-0');
    expect(o.runRoot).toBe('/nonexistent-home/r');
  });

  it('rootless with its own file: the file replaces the system one entirely', async () => {
    const home = path.join(tmp, 'home1');
    await mkdir(path.join(home, '.config', 'containers'), { recursive: true });
    await writeFile(path.join(home, '.config', 'containers', 'storage.conf'), '[storage]\ndriver = "vfs"\ngraphroot = "/g"\n');
    const env = { HOME: home, XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(await storageConfPath({ env, uid: 1000 })).toEqual({ file: path.join(home, '.config', 'containers', 'storage.conf'), userFile: true });
    const o = await defaultStoreOptions({ env, uid: 1000 });
    expect(o).toMatchObject({ driver: 'vfs', graphRoot: '/g', runRoot: '/run/user/1000/containers', driverOptions: [] });
  });

  it('rootless without its own file: rootless paths, system driver kept only if it is a rootless-capable one', async () => {
    const home = path.join(tmp, 'home2');
    await mkdir(home, { recursive: true });
    const env = { HOME: home, XDG_RUNTIME_DIR: '/run/user/1000' };
    const o = await defaultStoreOptions({ env, uid: 1000 });
    expect(o.graphRoot).toBe(path.join(home, '.local', 'share', 'containers', 'storage'));
    expect(o.runRoot).toBe('/run/user/1000/containers');
    // This machine has /usr/share/containers/storage.conf with driver = "overlay"; no file at all gives vfs.
    const located = await storageConfPath({ env, uid: 1000 });
    expect(o.driver).toBe(located === null ? 'vfs' : 'overlay');
    expect(o.driverOptions).toEqual([]); // mountopt is not carried over for rootless users
    const xdg = await defaultStoreOptions({ env: { ...env, XDG_DATA_HOME: '/xdg' }, uid: 1000 });
    expect(xdg.graphRoot).toBe('/xdg/containers/storage');
  });

  it('root: XDG_CONFIG_HOME file wins over the system files, /etc over /usr/share', async () => {
    const etc = await conf('etc.conf', '[storage]\ndriver = "vfs"\ngraphroot = "/etc-root"\n');
    const usr = await conf('usr.conf', '[storage]\ndriver = "overlay"\ngraphroot = "/usr-root"\n');
    const systemConfPaths = [etc, usr];
    expect((await defaultStoreOptions({ env: {}, uid: 0, systemConfPaths })).graphRoot).toBe('/etc-root');
    expect((await defaultStoreOptions({ env: {}, uid: 0, systemConfPaths: [path.join(tmp, 'missing.conf'), usr] })).graphRoot).toBe('/usr-root');
    const none = await defaultStoreOptions({ env: {}, uid: 0, systemConfPaths: [] });
    expect(none).toMatchObject({ graphRoot: '/var/lib/containers/storage', runRoot: '/run/containers/storage', driverOptions: [] });
    expect(none.driver).toBeUndefined(); // detected when the store opens
    const xdg = path.join(tmp, 'xdg');
    await mkdir(path.join(xdg, 'containers'), { recursive: true });
    await writeFile(path.join(xdg, 'containers', 'storage.conf'), '[storage]\ngraphroot = "/xdg-root"\n');
    expect((await defaultStoreOptions({ env: { XDG_CONFIG_HOME: xdg }, uid: 0, systemConfPaths })).graphRoot).toBe('/xdg-root');
  });

  it('rootless reading the system file takes only driver, rootless_storage_path, pull_options and ignore_chown_errors', async () => {
    const sys = await conf(
      'sys.conf',
      [
        '[storage]',
        'driver = "overlay"',
        'graphroot = "/root-only"',
        'runroot = "/run-only"',
        'rootless_storage_path = "$HOME/rl-$UID"',
        '[storage.options]',
        'pull_options = {enable_partial_images = "true"}',
        '[storage.options.overlay]',
        'mountopt = "nodev"',
        'ignore_chown_errors = "true"',
      ].join('\n'),
    );
    const home = path.join(tmp, 'home3');
    const o = await defaultStoreOptions({ env: { HOME: home, XDG_RUNTIME_DIR: '/run/user/1000' }, uid: 1000, systemConfPaths: [sys] });
    expect(o).toMatchObject({
      driver: 'overlay',
      graphRoot: `${home}/rl-1000`,
      runRoot: '/run/user/1000/containers',
      driverOptions: ['overlay.ignore_chown_errors=true'],
      pullOptions: { enable_partial_images: 'true' },
    });
    const btrfsless = await conf('sys2.conf', '[storage]\ndriver = "zfs"\n');
    expect((await defaultStoreOptions({ env: { HOME: home }, uid: 1000, systemConfPaths: [btrfsless] })).driver).toBe('vfs');
  });

  it('a configured file that does not exist is a ConfigError', async () => {
    await expect(defaultStoreOptions({ env: { CONTAINERS_STORAGE_CONF: path.join(tmp, 'nope.conf') }, uid: 0 })).rejects.toMatchObject({
      code: 'ERR_STORE_CONFIG',
    });
  });

  it('a bad remap-uids value is an InvalidIDMapError', async () => {
    const file = await conf('remap.conf', '[storage.options]\nremap-uids = "0:100000"\n');
    await expect(defaultStoreOptions({ env: { CONTAINERS_STORAGE_CONF: file }, uid: 0 })).rejects.toBeInstanceOf(InvalidIDMapError);
  });
});

describe('option helpers', () => {
  it('parses ID maps', () => {
    expect(parseIDMapString('0:100000:65536', 'uid')).toEqual([{ containerID: 0, hostID: 100000, size: 65536 }]);
    expect(parseIDMapString('0:1000:1:1:100000:65536', 'gid')).toHaveLength(2);
    expect(() => parseIDMapString('0:x:1', 'uid')).toThrow(/uid setting is malformed/);
  });

  it('finds additional image stores in driver options', () => {
    expect(additionalImageStores(['vfs.imagestore=/a', '.imagestore=/b', 'overlay.imagestore=/c', 'vfs.mountopt=x'], 'vfs')).toEqual(['/a', '/b']);
    expect(additionalImageStores(['overlay2.imagestore=/c'], 'overlay')).toEqual(['/c']);
  });

  it('needs at least one root and fills the other', () => {
    expect(() => resolveStoreOptions({ driver: 'vfs' })).toThrow(IncompleteOptionsError);
    const r = resolveStoreOptions({ graphRoot: 'rel/g', driver: 'overlay2' });
    expect(r.graphRoot).toBe(path.resolve('rel/g'));
    expect(r.runRoot).toBe('/run/containers/storage');
    expect(r.driver).toBe('overlay');
  });
});
