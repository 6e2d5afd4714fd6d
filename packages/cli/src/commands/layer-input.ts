import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fstat as fstatCb } from 'node:fs';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';

const READ_CHUNK = 1 << 20;

export interface LayerInput {
  stream: AsyncIterable<Uint8Array>;
  /** Size when the input is a regular file. */
  size: number | undefined;
}

/**
 * The tar input of import-layer / applydiff / set-layer-data: `-f FILE` (opened first, so a
 * missing file fails as `open FILE: …`), else stdin. Regular files are read in 1 MiB chunks.
 */
export async function openInput(file: string): Promise<LayerInput> {
  if (file !== '') {
    const handle = await open(file, 'r');
    const st = await handle.stat();
    return { stream: handle.createReadStream({ highWaterMark: READ_CHUNK }), size: st.isFile() ? st.size : undefined };
  }
  const st = await promisify(fstatCb)(0).catch(() => null);
  if (st?.isFile()) return { stream: createReadStream('', { fd: 0, autoClose: false, highWaterMark: READ_CHUNK }), size: st.size };
  return { stream: process.stdin, size: undefined };
}

/** Wraps a stream in a progress line when stderr is a terminal and the output is not JSON. */
export function withProgress(label: string, src: AsyncIterable<Uint8Array>, out: Output, json: boolean, total?: number): AsyncIterable<Uint8Array> {
  if (json || !out.stderrIsTTY) return src;
  const progress = new Progress(label, { isTTY: true, columns: process.stderr.columns, write: (t) => out.err(t) }, { total });
  return progress.meter(src);
}

