import { writeSync } from 'node:fs';
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
 * Writes straight to the process's stdout and stderr (synchronously, like Node's own streams for
 * files and pipes on Linux). The Go JSON encoder comes with the store code, loaded lazily so help
 * and usage errors start fast.
 */
export class ProcessOutput implements Output {
  #stderrIsTTY: boolean | undefined;
  encoder: JSONEncoder | null = null;
  get stderrIsTTY(): boolean {
    // Asked only for progress bars and log lines: node:tty loads the whole net/stream stack.
    this.#stderrIsTTY ??= process.getBuiltinModule('node:tty').isatty(2);
    return this.#stderrIsTTY;
  }
  out(text: string | Uint8Array): void {
    writeFd(1, text);
  }
  err(text: string | Uint8Array): void {
    writeFd(2, text);
  }
  json(value: GoValue): void {
    if (this.encoder === null) throw new Error('JSON output before the store code was loaded');
    this.out(`${this.encoder(value)}\n`);
  }
}

/**
 * The Node stream of fd 1 or 2, created on first need (a full pipe, or data streamed out): from
 * then on every write to that fd goes through it, so output stays in order. Creating them at
 * start would load Node's stream stack for every command.
 */
const streams: { 1?: NodeJS.WriteStream; 2?: NodeJS.WriteStream } = {};

function streamOf(fd: 1 | 2): NodeJS.WriteStream {
  let s = streams[fd];
  if (s === undefined) {
    s = fd === 1 ? process.stdout : process.stderr;
    s.on('error', writeFailed);
    streams[fd] = s;
  }
  return s;
}

/** process.stdout for streaming data out (stdout text written later follows it in order). */
export function stdoutStream(): NodeJS.WriteStream {
  return streamOf(1);
}

/** A reader that goes away (`… | head`) ends the process quietly with 141, like Go's death by SIGPIPE. */
function writeFailed(err: NodeJS.ErrnoException): never {
  process.exit(err.code === 'EPIPE' ? 141 : 1);
}

function writeFd(fd: 1 | 2, text: string | Uint8Array): void {
  const s = streams[fd];
  if (s !== undefined) {
    s.write(text);
    return;
  }
  const data = typeof text === 'string' ? Buffer.from(text) : text;
  for (let done = 0; done < data.length; ) {
    try {
      done += writeSync(fd, data, done, data.length - done);
    } catch (err) {
      // A non-blocking pipe that is full: the stream queues the rest.
      if ((err as NodeJS.ErrnoException).code === 'EAGAIN') return void streamOf(fd).write(data.subarray(done));
      writeFailed(err as NodeJS.ErrnoException);
    }
  }
}

/** Go %v of a string list: `[a b c]`. */
export function goList(items: readonly (string | number)[]): string {
  return `[${items.join(' ')}]`;
}

/** Waits until everything written to stdout and stderr has been handed to the OS. */
export async function flushOutput(): Promise<void> {
  await Promise.all(
    [streams[1], streams[2]].map(
      (s) => new Promise<void>((resolve) => (s === undefined || s.writableLength === 0 ? resolve() : s.write('', () => resolve()))),
    ),
  );
}
