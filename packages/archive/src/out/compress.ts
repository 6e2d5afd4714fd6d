/** Output compression of produced diffs (layer-diff.md §5.7). */
import { spawn } from 'node:child_process';
import { Duplex, PassThrough, Readable, pipeline } from 'node:stream';
import { ProduceError } from './errors.js';
import { ParallelGzip } from './gzip-parallel.js';

export type OutputCompression = 'none' | 'gzip' | 'bzip2' | 'xz' | 'zstd';

function zstdStream(): Duplex {
  const child = spawn('zstd', ['-q', '-c', '-3', '-T0'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  const out = new PassThrough();
  child.on('error', (err) => {
    out.destroy(
      (err as { code?: string }).code === 'ENOENT'
        ? new ProduceError('ERR_PRODUCE_COMPRESSOR_MISSING', 'zstd compression needs the zstd tool, which is not installed', { cause: err })
        : err,
    );
  });
  child.stdout.pipe(out, { end: false });
  child.on('close', (code, signal) => {
    if (code === 0) out.end();
    else out.destroy(new ProduceError('ERR_PRODUCE_COMPRESSOR_FAILED', `zstd failed (${code ?? signal}): ${stderr.trim()}`));
  });
  child.stdin.on('error', () => undefined); // reported through 'close'
  return Duplex.from({ writable: child.stdin, readable: out });
}

/**
 * Compresses a produced tar. 'none' returns the input itself; gzip deflates 1 MiB blocks on
 * several threads (gzip-parallel.ts, as Go's pgzip); zstd runs the zstd tool; bzip2 and xz
 * are refused as upstream does ("unsupported compression format tar.bz2").
 */
export function compressStream(input: Readable, compression: OutputCompression): Readable {
  switch (compression) {
    case 'none':
      return input;
    case 'gzip':
      return pipeline(input, new ParallelGzip(), () => undefined);
    case 'zstd':
      return pipeline(input, zstdStream(), () => undefined) as unknown as Readable;
    case 'bzip2':
    case 'xz':
      throw new ProduceError(
        'ERR_PRODUCE_UNSUPPORTED_COMPRESSION',
        `unsupported compression format tar.${compression === 'bzip2' ? 'bz2' : 'xz'}`,
      );
    default:
      throw new ProduceError('ERR_PRODUCE_UNSUPPORTED_COMPRESSION', `unsupported compression format ${String(compression)}`);
  }
}
