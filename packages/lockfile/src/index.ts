export { LockFile, type LockFileOpenOptions, type LockWaitOptions, type LastWrite } from './lockfile.js';
export { type LockKind } from './shared-lock.js';
export { LockFileError } from './errors.js';
export { TOKEN_SIZE, describeToken } from './token.js';
export { chainValue, runInChain } from './chain-context.js';
