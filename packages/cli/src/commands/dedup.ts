import { constants } from 'node:fs';
import { copyFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { Store } from '@cs/store';
import { CommandError, defineCommand, JSON_FLAG, stringFlag } from '../command.js';
import { goErrorText } from '../go-errors.js';

const HASH_METHODS = new Set(['crc', 'size', 'sha256']);

/** IDs of every image's top and mapped top layers and all their ancestors (upstream Dedup's layer set). */
async function imageLayers(store: Store): Promise<Set<string>> {
  const ids = new Set<string>();
  for (const img of await store.listImages()) {
    for (let id of [img.topLayer, ...img.mappedTopLayers]) {
      while (id !== '' && !ids.has(id)) {
        ids.add(id);
        id = (await store.layer(id)).parent;
      }
    }
  }
  return ids;
}

/** Whether the filesystem under `dir` can share extents (FICLONE), tried on a scratch file. */
async function reflinkError(dir: string): Promise<unknown> {
  const src = path.join(dir, `.dedup-probe-${process.pid}`);
  const dst = `${src}.clone`;
  try {
    await writeFile(src, 'x');
    await copyFile(src, dst, constants.COPYFILE_FICLONE_FORCE);
    return null;
  } catch (err) {
    return err;
  } finally {
    await rm(src, { force: true });
    await rm(dst, { force: true });
  }
}

async function dedupBytes(store: Store): Promise<number> {
  if ((await imageLayers(store)).size === 0) return 0; // nothing to share
  const err = await reflinkError(store.graphRoot);
  if (err !== null) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOTSUP' || code === 'EOPNOTSUPP' || code === 'EXDEV' ? 'operation not supported' : goErrorText(err);
    throw new Error(`the filesystem of ${store.graphRoot} cannot share file extents (reflink): ${why}`);
  }
  // Sharing extents needs FIDEDUPERANGE over the layers' files, which the Store does not offer yet.
  throw new Error('deduplicating layers is not supported by this store yet');
}

export default defineCommand({
  names: ['dedup'],
  usage: 'Deduplicate layers in the store',
  optionsHelp: '[options [...]]',
  minArgs: 0,
  maxArgs: 0,
  flags: { json: JSON_FLAG, hashMethod: stringFlag(['-hash-method'], 'Specify the hash function to use to detect identical files', 'crc') },
  async action({ store, flags, out }) {
    if (!HASH_METHODS.has(flags.hashMethod)) throw new CommandError(`invalid hash method: ${flags.hashMethod}`);
    let deduped: number;
    try {
      deduped = await dedupBytes(store);
    } catch (err) {
      // JSON mode reports a failure as an empty object on stdout and nothing on stderr (cli.md §3.19).
      if (flags.json) {
        out.json({});
        return 1;
      }
      throw new CommandError(`dedup: ${goErrorText(err)}`);
    }
    if (flags.json) out.json({ Deduped: deduped });
    else out.out(`Deduplicated ${deduped} bytes\n`);
    return 0;
  },
});
