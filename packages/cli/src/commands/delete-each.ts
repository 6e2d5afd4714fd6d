import { goErrorText } from '../go-errors.js';
import type { Output } from '../output.js';

/**
 * The per-argument loop the delete commands share: every argument is tried, each failure is
 * reported as `<arg>: <error>` on stderr (or as the value in the `--json` map, "" for success),
 * and the status is 1 when any argument failed.
 */
export async function deleteEach(
  refs: readonly string[],
  remove: (ref: string) => Promise<unknown>,
  json: boolean,
  out: Output,
): Promise<number> {
  const results = new Map<string, string>();
  let status = 0;
  for (const ref of refs) {
    try {
      await remove(ref);
      results.set(ref, '');
    } catch (err) {
      status = 1;
      const text = goErrorText(err);
      results.set(ref, text);
      if (!json) out.err(`${ref}: ${text}\n`);
    }
  }
  if (json) out.json(results);
  return status;
}
