import { stat } from 'node:fs/promises';
import { DriverError, parseBool, parseForceMask, splitDriverOptions } from '@cs/drivers';

export interface OverlayOptions {
  /** configured `mountopt`, verbatim (also part of the feature-cache file names) */
  mountOpt: string;
  mountProgram?: string;
  skipMountHome: boolean;
  ignoreChownErrors: boolean;
  forceMask?: number;
  /** read-only stores whose `overlay/` dirs are searched for lowers and layers */
  imageStores: string[];
}

/** Parses `--storage-opt` strings like Go's overlay driver (`overlay.`, `overlay2.` or `.` prefix). */
export async function parseOverlayOptions(options: readonly string[]): Promise<OverlayOptions> {
  const out: OverlayOptions = { mountOpt: '', skipMountHome: false, ignoreChownErrors: false, imageStores: [] };
  const unknown = (key: string): never => {
    throw new DriverError('ERR_DRIVER_OPTION', `overlay: unknown option ${key}`);
  };
  for (const opt of splitDriverOptions(options, ['overlay', 'overlay2'], unknown)) {
    switch (opt.name) {
      case 'override_kernel_check':
        parseBool(opt.key, opt.value); // accepted and ignored, as in Go
        break;
      case 'mountopt':
        out.mountOpt = opt.value;
        break;
      case 'size':
      case 'inodes':
        // Quotas need XFS project IDs, which this driver does not manage.
        throw new DriverError('ERR_DRIVER_NOT_SUPPORTED', `overlay: option ${opt.key} (quota) is not supported`);
      case 'imagestore':
      case 'additionalimagestore':
        out.imageStores.push(...opt.value.split(',').filter((s) => s !== ''));
        break;
      case 'mount_program':
        try {
          await stat(opt.value);
        } catch (err) {
          throw new DriverError('ERR_DRIVER_OPTION', `overlay: can't stat program ${JSON.stringify(opt.value)}`, { cause: err });
        }
        out.mountProgram = opt.value;
        break;
      case 'skip_mount_home':
        out.skipMountHome = parseBool(opt.key, opt.value);
        break;
      case 'ignore_chown_errors':
        out.ignoreChownErrors = parseBool(opt.key, opt.value);
        break;
      case 'force_mask':
        out.forceMask = parseForceMask(opt.key, opt.value);
        break;
      default:
        unknown(opt.key);
    }
  }
  if (out.forceMask !== undefined && !out.mountProgram) {
    throw new DriverError('ERR_DRIVER_OPTION', "overlay: 'force_mask' is supported only with 'mount_program'");
  }
  return out;
}
