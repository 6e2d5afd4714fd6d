/**
 * Runs synchronous metadata syscalls in short slices on the calling thread: a sync lstat or
 * readdir costs ~1-2 µs, the async one a thread-pool round trip (~10 µs and more), so scans
 * of whole layers are several times faster this way. Between slices the event loop gets a
 * turn, so a big tree never blocks it for longer than about SLICE_MS.
 */
import { setImmediate as nextTurn } from 'node:timers/promises';

const SLICE_MS = 8;

export class TimeSlicer {
  private sliceStart = performance.now();

  /**
   * Whether the current slice is used up: then `await yieldTurn()`. Checked synchronously
   * because an await per entry is costly (more so with async hooks on, as under
   * AsyncLocalStorage).
   */
  due(): boolean {
    return performance.now() - this.sliceStart >= SLICE_MS;
  }

  /** When the current slice ends (performance.now() time), for loops that check it themselves. */
  get deadline(): number {
    return this.sliceStart + SLICE_MS;
  }

  async yieldTurn(): Promise<void> {
    await nextTurn();
    this.sliceStart = performance.now();
  }
}
