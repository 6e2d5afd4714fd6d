import { binding, type GzipInflateHandle, type GzipInflateStep } from './binding.js';

/** Whether {@link GzipInflater} works here (the addon was built with ISA-L and libisal.so.2 loads). */
export function gzipInflateAvailable(): boolean {
  return binding.gzipInflateAvailable();
}

/**
 * gzip inflate through ISA-L on libuv's pool, one member at a time: `inflate` returns when the input
 * is used up, the output is full or the member ended (its CRC-32 and size checked); `reset` starts the
 * next member. Errors carry `code` ERR_GZIP_CORRUPT or ERR_GZIP_CHECKSUM. One call at a time.
 */
export class GzipInflater {
  readonly #handle: GzipInflateHandle;

  constructor() {
    if (!binding.gzipInflateCreate) {
      throw Object.assign(new Error('@cs/sys was built without ISA-L (libisal-dev headers were missing)'), { code: 'ERR_GZIP_UNAVAILABLE' });
    }
    this.#handle = binding.gzipInflateCreate();
  }

  inflate(input: Uint8Array, output: Uint8Array): Promise<GzipInflateStep> {
    return binding.gzipInflate!(this.#handle, input, output);
  }

  reset(): void {
    binding.gzipInflateReset!(this.#handle);
  }
}
