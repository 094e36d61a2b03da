/** SHA-256 and size of a file, streamed so a large artifact never sits in memory whole. */
import { createReadStream } from 'node:fs';

// Loaded on first use: read-only commands (status) reach this module but hash nothing.
const crypto = () => process.getBuiltinModule('node:crypto');

export interface FileDigest {
  readonly sha256: string;
  readonly size: number;
}

export async function digestFile(path: string): Promise<FileDigest> {
  const hash = crypto().createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    hash.update(buffer);
  }
  return { sha256: hash.digest('hex'), size };
}

/** The digest, or undefined when the file does not exist. */
export async function digestIfExists(path: string): Promise<FileDigest | undefined> {
  try {
    return await digestFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
}
