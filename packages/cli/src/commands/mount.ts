import { boolFlag, defineCommand, JSON_FLAG, stringFlag, type Command } from '../command.js';
import { goErrorText } from '../go-errors.js';

export const mount = defineCommand({
  names: ['mount'],
  usage: 'Mount a layer or container',
  optionsHelp: '[options [...]] LayerOrContainerNameOrID',
  minArgs: 1,
  maxArgs: -1,
  flags: {
    opt: stringFlag(['-opt', 'o'], 'Mount Options'),
    label: stringFlag(['-label', 'l'], 'Mount Label'),
    readOnly: boolFlag(['-read-only', '-ro', 'r'], 'Mount image readonly'),
    json: JSON_FLAG,
  },
  async action({ store, args, flags, out }) {
    // -o is accepted and ignored, as upstream. Names and ID prefixes are resolved before the
    // driver sees them (upstream passes the raw word for layers: cli.md §1.10).
    const results: Array<{ id: string; mountpoint: string; error: string }> = [];
    const opts = { mountLabel: flags.label || undefined };
    for (const ref of args) {
      try {
        const mountpoint = flags.readOnly ? await store.mountImage(ref, opts) : await store.mount(ref, opts);
        results.push({ id: ref, mountpoint, error: '' });
      } catch (err) {
        results.push({ id: ref, mountpoint: '', error: goErrorText(err) });
      }
    }
    if (flags.json) out.json(results);
    else
      for (const r of results) {
        if (r.error !== '') out.err(`${r.error} while mounting ${r.id}\n`);
        out.out(`${r.mountpoint}\n`);
      }
    return results.some((r) => r.error !== '') ? 1 : 0;
  },
});

export const unmount = defineCommand({
  names: ['unmount', 'umount'],
  usage: 'Unmount an image, layer or container',
  optionsHelp: 'LayerOrContainerNameOrID',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG, force: boolFlag(['-force', 'f'], 'Force the umount') },
  async action({ store, args, flags, out }) {
    const results: Array<{ id: string; error: string }> = [];
    for (const ref of args) {
      let error = '';
      try {
        const stillMounted = await store.unmount(ref, flags.force);
        if (!stillMounted) out.out(`${ref} mountpoint unmounted\n`);
      } catch (err) {
        // Then as an image (its top layer); if that fails too the first error is reported.
        error = goErrorText(err);
        try {
          await store.unmountImage(ref, flags.force);
          error = '';
        } catch {
          // keep the first error
        }
      }
      results.push({ id: ref, error });
    }
    if (flags.json) out.json(results);
    else for (const r of results) if (r.error !== '') out.err(`${r.error} while unmounting ${r.id}\n`);
    return results.some((r) => r.error !== '') ? 1 : 0;
  },
});

export const mounted = defineCommand({
  names: ['mounted'],
  usage: 'Check if a file system is mounted',
  optionsHelp: 'LayerOrContainerNameOrID',
  minArgs: 1,
  maxArgs: -1,
  flags: { json: JSON_FLAG },
  async action({ store, args, flags, out }) {
    const results: Array<{ id: string; error: string }> = [];
    for (const ref of args) {
      let error = '';
      try {
        if ((await store.mounted(ref)) > 0) out.out(`${ref} mounted\n`);
      } catch (err) {
        error = goErrorText(err);
      }
      results.push({ id: ref, error });
    }
    if (flags.json) out.json(results);
    else for (const r of results) if (r.error !== '') out.err(`${r.error} checking if ${r.id} is mounted\n`);
    return results.some((r) => r.error !== '') ? 1 : 0;
  },
});

export const mountCommands = [mount, unmount, mounted] as Command[];
