import type * as Records from '@cs/records';

// The @cs/* libraries are loaded only once a command is about to run, so that --help, usage
// errors and the command table never pay for them (about 40 ms of module compile at start).
let records: typeof Records | undefined;

/** Loads @cs/records; run() awaits it before any action. */
export async function loadRecords(): Promise<typeof Records> {
  records ??= await import('@cs/records');
  return records;
}

/** @cs/records for synchronous helpers that run inside an action (after loadRecords). */
export function recordsLibrary(): typeof Records {
  if (records === undefined) throw new Error('internal error: @cs/records used before loadRecords()');
  return records;
}
