/** Stable error codes of the output side (changes, produce, diff size, compression). */
export type ProduceErrorCode =
  | 'ERR_PRODUCE_UNSUPPORTED_COMPRESSION' // "unsupported compression format tar.bz2" (upstream wording)
  | 'ERR_PRODUCE_COMPRESSOR_MISSING'      // the zstd tool is not installed
  | 'ERR_PRODUCE_COMPRESSOR_FAILED'       // the compressor exited non-zero
  | 'ERR_PRODUCE_NOT_A_DIRECTORY'         // the layer / upper / parent path is not a directory
  | 'ERR_PRODUCE_INVALID_CHANGE'          // a change path that is not absolute or not clean
  | 'ERR_PRODUCE_HEADER';                 // a header that cannot be encoded (should not happen)

export class ProduceError extends Error {
  readonly code: ProduceErrorCode;
  readonly path?: string;

  constructor(code: ProduceErrorCode, message: string, options?: { path?: string; cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'ProduceError';
    this.code = code;
    if (options?.path !== undefined) this.path = options.path;
  }
}
