// Entry of the command bundle (dist/cli-main.cjs) that src/bin/load.ts compiles and runs.
export { processMain as main } from '../process-main.js';

/** On a library worker thread: evaluating @cs/archive starts its worker entry points. */
export function worker(): Promise<unknown> {
  return import('@cs/archive');
}

/** The overlay mount helper process (it mounts and exits when evaluated). */
export function mountHelper(): Promise<unknown> {
  return import('@cs/drivers-overlay/mount-helper');
}

/** Build step of the code caches (train.ts, loaded only then). */
export async function train(phase: string, dir: string): Promise<void> {
  await (await import('./train.js')).train(phase, dir);
}
