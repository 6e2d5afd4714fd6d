import { StoreError } from './errors.js';

/** Partial pulls are off in the configuration (`enable_partial_images` is not "true"). */
export class PartialImagesDisabledError extends StoreError {
  constructor() {
    super('ERR_PARTIAL_IMAGES_DISABLED', 'partial images are disabled');
  }
}

/**
 * `[storage.options.pull_options] enable_partial_images`: upstream reads it as enabled only when
 * it is "true" in any letter case; absent means disabled.
 */
export function partialImagesEnabled(pullOptions: Readonly<Record<string, string>>): boolean {
  return (pullOptions.enable_partial_images ?? '').toLowerCase() === 'true';
}

export function assertPartialImages(pullOptions: Readonly<Record<string, string>>): void {
  if (!partialImagesEnabled(pullOptions)) throw new PartialImagesDisabledError();
}
