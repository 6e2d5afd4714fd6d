import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { MNT, umount2 } from '@cs/sys';
import { run } from '../main.js';
import { ProcessOutput } from '../output.js';
import type { CacheGroup } from './format.js';

// Build step of the code caches (load.ts, tsup.config.ts). Each phase runs in a process of its
// own: `setup` makes a scratch store per driver, then each cache group's phase runs only its own
// commands (so its cache holds what they compile), in CACHE_GROUP_NAMES order (`write` uses the
// diff that `changes` wrote, and wipes), and `cleanup` takes the stores down. Overlay only as root.

/** Keeps what a command prints (JSON through the real encoder) instead of writing it. */
class KeptOutput extends ProcessOutput {
  text = '';
  errors = '';
  override get stderrIsTTY(): boolean {
    return false;
  }
  override out(text: string | Uint8Array): void {
    this.text += typeof text === 'string' ? text : Buffer.from(text).toString();
  }
  override err(text: string | Uint8Array): void {
    this.errors += typeof text === 'string' ? text : Buffer.from(text).toString();
  }
}

const id = (c: string): string => c.repeat(64);
const [BASE, UPPER, SPARE, IMAGE, CONTAINER, SPARE_IMAGE, SPARE_CONTAINER] = [id('a'), id('b'), id('c'), id('d'), id('e'), id('f'), id('9')] as const;

type Step = (...argv: string[]) => Promise<string>;

const PHASES: Record<'setup' | CacheGroup, (step: Step, dir: string) => Promise<void>> = {
  async setup(step) {
    await step('create-layer', '--id', BASE);
    await fill(await step('mount', BASE), ['etc/hostname', 'etc/passwd', 'usr/bin/tool', 'usr/lib/lib.so']);
    await step('unmount', BASE);
    await step('create-layer', '--id', UPPER, BASE);
    const top = await step('mount', UPPER);
    await fill(top, ['etc/hostname', 'var/log/new.log']);
    rmSync(path.join(top, 'usr', 'bin', 'tool'), { force: true });
    await step('unmount', UPPER);
    await step('create-image', '--id', IMAGE, UPPER);
    await step('create-container', '--id', CONTAINER, IMAGE);
  },
  async layers(step) {
    await step('layers');
    await step('layers', '--json');
  },
  async list(step) {
    for (const what of ['layers', 'images', 'containers']) {
      await step(what);
      await step(what, '--json');
    }
    await step('version');
    await step('status');
    await step('layer', UPPER);
    await step('image', IMAGE);
    await step('container', CONTAINER);
    await step('exists', UPPER);
  },
  async changes(step, dir) {
    await step('changes', UPPER);
    await step('changes', BASE);
    await step('changes', '--json', UPPER);
    await step('diffsize', UPPER);
    await step('diff', '--file', path.join(dir, 'upper.tar'), UPPER);
  },
  async mount(step) {
    await step('mount', UPPER);
    await step('unmount', UPPER);
    await step('mount', CONTAINER);
    await step('unmount', CONTAINER);
  },
  async write(step, dir) {
    await step('create-layer', '--id', SPARE, BASE);
    await step('applydiff', '--file', path.join(dir, 'upper.tar'), SPARE);
    const imported = await step('import-layer', '--file', path.join(dir, 'upper.tar'));
    await step('create-image', '--id', SPARE_IMAGE, SPARE);
    await step('create-container', '--id', SPARE_CONTAINER, SPARE_IMAGE);
    await step('delete-container', SPARE_CONTAINER);
    await step('delete-image', SPARE_IMAGE); // and its layers
    await step('delete-layer', imported);
    await step('wipe');
  },
};

async function fill(root: string, files: string[]): Promise<void> {
  for (const f of files) {
    mkdirSync(path.join(root, path.dirname(f)), { recursive: true });
    writeFileSync(path.join(root, f), `${f}\n`);
  }
}

/** vfs always; overlay as root, unless the setup phase found it unusable here (OVERLAY_SKIPPED). */
function drivers(dir: string): string[] {
  if (process.getuid?.() !== 0 || existsSync(path.join(dir, OVERLAY_SKIPPED))) return ['vfs'];
  return ['vfs', 'overlay'];
}

/** Marks a scratch directory whose overlay setup failed (no overlay, an unsuitable backing file system, …). */
const OVERLAY_SKIPPED = 'overlay-skipped';

export async function train(phase: string, dir: string): Promise<void> {
  // Cleanup also takes down what a failed overlay setup may have left mounted.
  const list = phase === 'cleanup' && process.getuid?.() === 0 ? ['vfs', 'overlay'] : drivers(dir);
  for (const driver of list) {
    const graph = path.join(dir, driver, 'root');
    const runRoot = path.join(dir, driver, 'run');
    const store = ['--graph', graph, '--run', runRoot, '--storage-driver', driver];
    if (phase === 'cleanup') {
      await run([...store, 'shutdown', '--force'], new KeptOutput()).catch(() => 1);
      // The overlay home's private mount, if any.
      if (driver === 'overlay') await umount2(path.join(graph, driver), MNT.DETACH).catch(() => {});
      continue;
    }
    // The first command of a phase finds its store through storage.conf, the rest through the
    // global options, so the cache holds the code of both ways (storage.conf parsing and the
    // configured defaults are a good part of a quick command).
    const conf = path.join(dir, driver, 'storage.conf');
    let viaConf = phase !== 'setup';
    const step: Step = async (...argv) => {
      const io = new KeptOutput();
      let status: number;
      if (viaConf) {
        viaConf = false;
        writeFileSync(conf, `[storage]\ndriver = "${driver}"\ngraphroot = ${JSON.stringify(graph)}\nrunroot = ${JSON.stringify(runRoot)}\n`);
        const env: NodeJS.ProcessEnv = { ...process.env, CONTAINERS_STORAGE_CONF: conf };
        delete env['STORAGE_DRIVER'];
        delete env['STORAGE_OPTS'];
        status = await run(argv, io, { env });
      } else {
        status = await run([...store, ...argv], io);
      }
      if (status !== 0) throw new Error(`code cache training (${phase}, ${driver}): "${argv.join(' ')}" exited with ${status}: ${io.errors}`);
      return io.text.trim();
    };
    const fn = PHASES[phase as keyof typeof PHASES];
    if (fn === undefined) throw new Error(`unknown training phase ${phase}`);
    if (phase === 'setup' && driver === 'overlay') {
      // Overlay is trained where it works; the caches then just lack its code.
      try {
        await fn(step, path.join(dir, driver));
      } catch (err) {
        process.stderr.write(`code cache training: overlay skipped (${(err as Error).message})\n`);
        writeFileSync(path.join(dir, OVERLAY_SKIPPED), '');
      }
      continue;
    }
    await fn(step, path.join(dir, driver));
  }
}
