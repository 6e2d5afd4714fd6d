/** Stable error codes raised by graph drivers. */
export type DriverErrorCode =
  | 'ERR_DRIVER_UNKNOWN'
  | 'ERR_DRIVER_OPTION'
  | 'ERR_DRIVER_NOT_SUPPORTED'
  | 'ERR_DRIVER_MOUNT'
  | 'ERR_DRIVER_MAX_DEPTH'
  | 'ERR_LAYER_NOT_EXIST'
  | 'ERR_LAYER_EXISTS'
  | 'ERR_LAYER_MOUNTED'
  | 'ERR_INVALID_LAYER_ID'
  | 'ERR_STAGING'
  | 'ERR_TEMP_DIR';

/** Every error a driver raises on purpose is a DriverError with a stable `code`. */
export class DriverError extends Error {
  readonly code: DriverErrorCode;
  constructor(code: DriverErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'DriverError';
    this.code = code;
  }
}

export function unknownDriver(name: string): DriverError {
  return new DriverError('ERR_DRIVER_UNKNOWN', `driver not supported: ${JSON.stringify(name)}`);
}

export function layerNotExist(driver: string, id: string): DriverError {
  return new DriverError('ERR_LAYER_NOT_EXIST', `${driver}: layer ${JSON.stringify(id)} does not exist`);
}

/** True for Node fs errors carrying the given errno code (ENOENT, …). */
export function isErrno(err: unknown, ...codes: string[]): boolean {
  return typeof err === 'object' && err !== null && codes.includes((err as { code?: string }).code ?? '');
}
