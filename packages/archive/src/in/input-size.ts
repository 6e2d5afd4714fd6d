import { ReadStream, statSync } from 'node:fs';

/**
 * The size of an input stream, when its producer knows it (a regular file): set on the stream
 * object under this registered symbol, it reaches applyTar through every layer in between
 * (store, layer store, driver) untouched. Only a hint: where the digests are computed depends on it,
 * never what they are.
 */
export const INPUT_SIZE: unique symbol = Symbol.for('@cs/archive.inputSize') as never;

/** Marks `input` as `size` bytes long; returns it. */
export function withInputSize<T extends object>(input: T, size: number): T {
  Object.defineProperty(input, INPUT_SIZE, { value: size, configurable: true });
  return input;
}

export function inputSizeOf(input: object): number | undefined {
  const v = (input as { [INPUT_SIZE]?: unknown })[INPUT_SIZE];
  if (typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return v;
  return fileStreamSize(input);
}

/**
 * An fs.ReadStream of a regular file states its size itself: one stat of its path. (A stream
 * opened with start/end, or already partly read, is smaller; as a hint that does no harm.)
 */
function fileStreamSize(input: object): number | undefined {
  if (!(input instanceof ReadStream) || typeof input.path !== 'string') return undefined;
  try {
    const st = statSync(input.path);
    return st.isFile() ? st.size : undefined;
  } catch {
    return undefined;
  }
}
