import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { promisify } from 'node:util';
import { fstat as fstatCb } from 'node:fs';
import type { Output } from '../output.js';
import { Progress } from '../progress.js';

const READ_CHUNK = 1 << 20;
/** @cs/archive's INPUT_SIZE (a registered symbol: no import, the archive code loads later, on use). */
const INPUT_SIZE = Symbol.for('@cs/archive.inputSize');

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
    return sized(handle.createReadStream({ highWaterMark: READ_CHUNK }), st.isFile() ? st.size : undefined);
  }
  const st = await promisify(fstatCb)(0).catch(() => null);
  if (st?.isFile()) return sized(createReadStream('', { fd: 0, autoClose: false, highWaterMark: READ_CHUNK }), st.size);
  return { stream: process.stdin, size: undefined };
}

/** A file's size also rides on its stream, for the apply (small inputs are hashed without a worker thread). */
function sized(stream: AsyncIterable<Uint8Array>, size: number | undefined): LayerInput {
  return { stream: markSize(stream, size), size };
}

function markSize<T extends AsyncIterable<Uint8Array>>(stream: T, size: number | undefined): T {
  if (size !== undefined) Object.defineProperty(stream, INPUT_SIZE, { value: size, configurable: true });
  return stream;
}

/** Wraps a stream in a progress line when stderr is a terminal and the output is not JSON. */
export function withProgress(label: string, src: AsyncIterable<Uint8Array>, out: Output, json: boolean, total?: number): AsyncIterable<Uint8Array> {
  if (json || !out.stderrIsTTY) return src;
  const progress = new Progress(label, { isTTY: true, columns: process.stderr.columns, write: (t) => out.err(t) }, { total });
  return markSize(progress.meter(src), total);
}

