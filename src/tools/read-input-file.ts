/** Reading a file the user named (a pipeline, a config): a missing or oversized file is a clear user error. */
import { readFile, stat } from 'node:fs/promises';
import { UserError } from '../errors.js';

export interface InputFile {
  /** What the file is, for messages: `pipeline file`, `config file`. */
  readonly what: string;
  /** The option that named it, for the advice: `--pipeline`. */
  readonly option: string;
  /** Hand-written inputs are small; anything larger is a mistake or an attack, refused unread. */
  readonly maxBytes: number;
}

export async function readInputFile(file: string, input: InputFile): Promise<string> {
  try {
    const { size } = await stat(file);
    if (size > input.maxBytes) {
      throw new UserError(
        `${input.what} ${file} is ${size} bytes, over the limit of ${input.maxBytes}; check the ${input.option} path`,
      );
    }
    return await readFile(file, 'utf8');
  } catch (error) {
    if (error instanceof UserError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    throw new UserError(
      code === 'ENOENT'
        ? `${input.what} ${file} does not exist; check the ${input.option} path`
        : `cannot read ${input.what} ${file}: ${(error as Error).message}`,
    );
  }
}
