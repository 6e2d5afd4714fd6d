import { readFile } from 'node:fs/promises';

/** All bytes of `file`, or of stdin when no file was given (the data-setting commands' -f). */
export async function readFileOrStdin(file: string): Promise<Buffer> {
  if (file !== '') return readFile(file);
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Metadata from -f (wins) or -m, as create-image/create-container read it. */
export async function metadataFromFlags(flags: { metadata: string; metadataFile: string }): Promise<string> {
  return flags.metadataFile !== '' ? readFile(flags.metadataFile, 'utf8') : flags.metadata;
}
