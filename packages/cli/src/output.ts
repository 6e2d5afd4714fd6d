import type { GoValue } from '@cs/records';

/** Buffered writers for stdout and stderr, flushed before the process exits. */
export interface Output {
  out(text: string | Uint8Array): void;
  err(text: string | Uint8Array): void;
  /** Go json.Encoder: one compact value and a newline on stdout. */
  json(value: GoValue): void;
  /** Whether stderr is a terminal (progress bars only then). */
  readonly stderrIsTTY: boolean;
}

export type JSONEncoder = (value: GoValue) => string;

/**
 * Writes straight to the process streams (pipes and files are synchronous on Linux). The Go
 * JSON encoder comes with the store code, loaded lazily so help and usage errors start fast.
 */
export class ProcessOutput implements Output {
  readonly stderrIsTTY = process.stderr.isTTY === true;
  encoder: JSONEncoder | null = null;
  out(text: string | Uint8Array): void {
    process.stdout.write(text);
  }
  err(text: string | Uint8Array): void {
    process.stderr.write(text);
  }
  json(value: GoValue): void {
    if (this.encoder === null) throw new Error('JSON output before the store code was loaded');
    this.out(`${this.encoder(value)}\n`);
  }
}

/** Go %v of a string list: `[a b c]`. */
export function goList(items: readonly (string | number)[]): string {
  return `[${items.join(' ')}]`;
}

/** Waits until everything written to stdout and stderr has been handed to the OS. */
export async function flushOutput(): Promise<void> {
  await Promise.all(
    [process.stdout, process.stderr].map(
      (s) => new Promise<void>((resolve) => (s.writableLength === 0 ? resolve() : s.write('', () => resolve()))),
    ),
  );
}
