export { generateID, isValidID, assertValidID, truncateID, SHORT_ID_LENGTH } from './id.js';
export {
  type Digest,
  type DigestAlgorithm,
  Digester,
  digestOf,
  digestStream,
  parseDigest,
  isValidDigest,
  assertValidDigest,
  EMPTY_SHA256,
} from './digest.js';
export { TruncIndex } from './truncindex.js';
export {
  IdsError,
  InvalidIDError,
  InvalidDigestError,
  IDNotFoundError,
  AmbiguousIDError,
  DuplicateIDError,
} from './errors.js';
