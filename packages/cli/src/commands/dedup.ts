import type { DedupHashMethod } from '@cs/store';
import { CommandError, defineCommand, JSON_FLAG, stringFlag } from '../command.js';
import { goErrorText } from '../go-errors.js';

const HASH_METHODS: ReadonlySet<string> = new Set<DedupHashMethod>(['crc', 'size', 'sha256']);

/**
 * cli.md §3.19: the driver shares the extents of identical files across every image's layers.
 * The count includes ranges shared by earlier runs, so a repeated run prints the same number.
 */
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
      ({ deduped } = await store.dedup({ hashMethod: flags.hashMethod as DedupHashMethod }));
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
