/** The value of `find()`, or null when it fails because the reference names nothing of that kind. */
export async function findOrNull<T>(find: () => Promise<T>, unknownCodes: readonly string[]): Promise<T | null> {
  try {
    return await find();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && (unknownCodes.includes(code) || code === 'ERR_AMBIGUOUS_ID')) return null;
    throw err;
  }
}

export const IMAGE_UNKNOWN = ['ERR_IMAGE_UNKNOWN'];
export const CONTAINER_UNKNOWN = ['ERR_CONTAINER_UNKNOWN'];
