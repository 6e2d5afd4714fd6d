import type { Image } from '@cs/store';
import type { Output } from '../output.js';
import { imageJSON } from './ic-record-json.js';

/** The `images` / `images-by-digest` plain format: the ID, then (unless quiet) names, digests, data items. */
export function printImageList(out: Output, images: readonly Image[], quiet: boolean): void {
  for (const image of images) {
    let text = `${image.id}\n`;
    if (!quiet) {
      for (const name of image.names) text += `\tname: ${name}\n`;
      for (const digest of image.digests) text += `\tdigest: ${digest}\n`;
      for (const item of image.bigDataNames) text += `\tdata: ${item}\n`;
    }
    out.out(text);
  }
}

/** A Go slice of images: `null` when nil (no images listed at all), else an array. */
export function imagesJSON(images: readonly Image[], nilWhenEmpty: boolean) {
  return images.length === 0 && nilWhenEmpty ? null : images.map(imageJSON);
}
