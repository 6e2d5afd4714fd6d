/** The `code` of a Node fs / @cs/sys error (undefined for anything else). */
export function errCode(err: unknown): string | undefined {
  return (err as { code?: string } | null)?.code;
}
