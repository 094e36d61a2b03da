/** Whole-file writes that a crash can never leave half done: temp file, fsync, rename, fsync dir. */
import { open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { failpoint } from '../failpoints.js';

// node:crypto loads on first use: loading it is a measurable part of a read-only command's start-up.
const crypto = () => process.getBuiltinModule('node:crypto');

export async function writeFileAtomic(path: string, data: string | Uint8Array, mode = 0o600): Promise<void> {
  const temp = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${crypto().randomBytes(4).toString('hex')}.tmp`,
  );
  // Errors name the file being written, not the temp file on its way there.
  const handle = await open(temp, 'wx', mode).catch((error: unknown) => {
    throw naming(error, path);
  });
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (error) {
    await handle.close();
    await rm(temp, { force: true });
    throw naming(error, path);
  }
  await handle.close();
  failpoint('store:mid-write');
  try {
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true });
    throw naming(error, path);
  }
  await syncDirectory(dirname(path));
}

/**
 * A file system error about `path`: errors of writes through a file handle carry no path, and a
 * message that says "no space left" without saying where helps nobody.
 */
export function naming(error: unknown, path: string): unknown {
  if (error instanceof Error && typeof (error as NodeJS.ErrnoException).code === 'string') {
    (error as NodeJS.ErrnoException).path = path;
  }
  return error;
}

/** Makes a rename or a new name in `dir` durable. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
  } finally {
    await handle.close();
  }
}
