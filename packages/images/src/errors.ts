import { RecordsError } from '@cs/records';

/** No image matches the reference (Go ErrImageUnknown: "image not known"). */
export class ImageUnknownError extends RecordsError {
  constructor(readonly reference: string) {
    super('ERR_IMAGE_UNKNOWN', `locating image with ID ${JSON.stringify(reference)}: image not known`);
  }
}

/** A digest given for an image (its `digest`, or a manifest's digest) is not a valid digest. */
export class InvalidImageDigestError extends RecordsError {
  constructor(message: string) {
    super('ERR_INVALID_DIGEST', message);
  }
}
