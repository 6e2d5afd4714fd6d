import { DriverError, parseBool, splitDriverOptions } from '@cs/drivers';

export interface VfsOptions {
  ignoreChownErrors: boolean;
  /** read-only stores searched for layers missing here (`<store>/vfs/dir/<ID>`) */
  imageStores: string[];
}

/** Parses `--storage-opt` strings the way Go's vfs driver does; anything else is an error. */
export function parseVfsOptions(options: readonly string[]): VfsOptions {
  const out: VfsOptions = { ignoreChownErrors: false, imageStores: [] };
  const unsupported = (key: string): never => {
    throw new DriverError('ERR_DRIVER_OPTION', `vfs driver does not support ${key} options`);
  };
  for (const opt of splitDriverOptions(options, ['vfs'], unsupported)) {
    switch (opt.name) {
      case 'imagestore':
      case 'additionalimagestore':
        out.imageStores.push(...opt.value.split(',').filter((s) => s !== ''));
        break;
      case 'ignore_chown_errors':
        out.ignoreChownErrors = parseBool(opt.key, opt.value);
        break;
      case 'mountopt':
        throw new DriverError('ERR_DRIVER_OPTION', 'vfs driver does not support mount options');
      default:
        unsupported(opt.key);
    }
  }
  return out;
}
