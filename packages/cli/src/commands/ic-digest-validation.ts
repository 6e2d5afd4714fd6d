import { CommandError } from '../command.js';

const ENCODED_LENGTH: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };
const DIGEST_PATTERN = /^[a-z0-9]+(?:[.+_-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/;

/** go-digest's Digest.Validate, with its error texts (cli.md §3.40). */
export function validateDigest(d: string): void {
  const colon = d.indexOf(':');
  if (colon <= 0 || colon + 1 === d.length) throw new CommandError('invalid checksum digest format');
  const algorithm = d.slice(0, colon);
  const encoded = d.slice(colon + 1);
  const length = ENCODED_LENGTH[algorithm];
  if (length === undefined) {
    throw new CommandError(DIGEST_PATTERN.test(d) ? 'unsupported digest algorithm' : 'invalid checksum digest format');
  }
  if (encoded.length !== length) throw new CommandError('invalid checksum digest length');
  if (!/^[a-f0-9]+$/.test(encoded)) throw new CommandError('invalid checksum digest format');
}
