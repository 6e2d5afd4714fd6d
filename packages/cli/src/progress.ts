/**
 * A progress line on stderr for long tar operations (import-layer, applydiff, diff): bytes moved,
 * tar entries seen when the stream is an uncompressed tar, a bar when the total is known. Drawn
 * only when the sink is a terminal; callers never create one for --json.
 */

export interface ProgressSink {
  readonly isTTY: boolean;
  /** Terminal width; 80 when unknown. */
  readonly columns?: number;
  write(text: string): void;
}

export interface ProgressOptions {
  /** Bytes expected (a file's size), for the bar and percentage. */
  total?: number;
  /** Milliseconds between redraws. */
  intervalMs?: number;
  now?: () => number;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];

export function formatBytes(n: number): string {
  let v = n;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${UNITS[u]}`;
}

export class Progress {
  #bytes = 0;
  #entries = new TarEntryCounter();
  #countEntries: boolean | null = null;
  #lastDraw = -Infinity;
  #drawn = false;
  #done = false;
  readonly #label: string;
  readonly #sink: ProgressSink;
  readonly #total: number | undefined;
  readonly #interval: number;
  readonly #now: () => number;

  constructor(label: string, sink: ProgressSink, opts: ProgressOptions = {}) {
    this.#label = label;
    this.#sink = sink;
    this.#total = opts.total !== undefined && opts.total > 0 ? opts.total : undefined;
    this.#interval = opts.intervalMs ?? 100;
    this.#now = opts.now ?? Date.now;
  }

  get bytes(): number {
    return this.#bytes;
  }
  /** Tar entries seen, or null when the stream is compressed (entries are not visible from here). */
  get entries(): number | null {
    return this.#countEntries === false ? null : this.#entries.count;
  }

  /** Accounts one chunk and redraws at most every intervalMs. */
  update(chunk: Uint8Array): void {
    if (this.#countEntries === null && chunk.length > 0) this.#countEntries = !looksCompressed(chunk);
    if (this.#countEntries) this.#entries.feed(chunk);
    this.#bytes += chunk.length;
    const t = this.#now();
    if (t - this.#lastDraw >= this.#interval) {
      this.#lastDraw = t;
      this.#draw();
    }
  }

  /** Passes a stream through, counting what flows. */
  async *meter(src: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    try {
      for await (const chunk of src) {
        this.update(chunk);
        yield chunk;
      }
    } finally {
      this.finish();
    }
  }

  /** Draws the final state and ends the line (only if anything was drawn). */
  finish(): void {
    if (this.#done) return;
    this.#done = true;
    if (!this.#drawn) return;
    this.#draw();
    this.#sink.write('\n');
  }

  /** The line as it would be drawn now (without the leading carriage return). */
  line(): string {
    const entries = this.entries;
    const tail = `${formatBytes(this.#bytes)}${entries === null ? '' : `, ${entries} ${entries === 1 ? 'entry' : 'entries'}`}`;
    if (this.#total === undefined) return `${this.#label}: ${tail}`;
    const ratio = Math.min(1, this.#bytes / this.#total);
    const pct = `${Math.floor(ratio * 100)}`.padStart(3);
    const width = Math.max(10, Math.min(40, (this.#sink.columns ?? 80) - this.#label.length - tail.length - 16));
    const full = Math.round(ratio * width);
    return `${this.#label}: [${'='.repeat(full)}${' '.repeat(width - full)}] ${pct}% ${tail}`;
  }

  #draw(): void {
    if (!this.#sink.isTTY) return;
    this.#drawn = true;
    this.#sink.write(`\r\x1b[K${this.line()}`);
  }
}

/** gzip, bzip2, xz, zstd magic numbers (layer-diff.md input detection). */
function looksCompressed(b: Uint8Array): boolean {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
  if (b.length >= 3 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) return true;
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) return true;
  if (b.length >= 4 && b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) return true;
  return false;
}

const BLOCK = 512;
/** Header types that describe the next entry rather than being one (pax, GNU long names). */
const META_TYPES = new Set(['x', 'g', 'L', 'K']);

/** Counts tar entries by walking the 512-byte headers, without copying the data. */
export class TarEntryCounter {
  count = 0;
  #skip = 0;
  #header = Buffer.alloc(BLOCK);
  #have = 0;
  #ended = false;

  feed(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length && !this.#ended) {
      if (this.#skip > 0) {
        const n = Math.min(this.#skip, chunk.length - i);
        this.#skip -= n;
        i += n;
        continue;
      }
      const n = Math.min(BLOCK - this.#have, chunk.length - i);
      this.#header.set(chunk.subarray(i, i + n), this.#have);
      this.#have += n;
      i += n;
      if (this.#have === BLOCK) {
        this.#have = 0;
        this.#onHeader();
      }
    }
  }

  #onHeader(): void {
    const h = this.#header;
    if (h.every((b) => b === 0)) return; // end-of-archive blocks
    const type = String.fromCharCode(h[156]!);
    const size = headerSize(h);
    if (size === null) {
      this.#ended = true; // not a tar header: stop counting rather than guess
      return;
    }
    if (!META_TYPES.has(type)) this.count++;
    this.#skip = Math.ceil(size / BLOCK) * BLOCK;
  }
}

/** The size field: octal text, or base-256 when the high bit of its first byte is set. */
function headerSize(h: Buffer): number | null {
  const field = h.subarray(124, 136);
  if (field[0]! & 0x80) {
    let v = 0;
    for (let k = 1; k < field.length; k++) v = v * 256 + field[k]!;
    return v;
  }
  const text = field.toString('latin1').replace(/[\0 ]+$/, '').trim();
  if (text === '') return 0;
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : null;
}
