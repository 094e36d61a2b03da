/** The FileError a call throws; fails the test when it throws nothing or something else. */
import { FileError } from '../../src/errors.js';

export function fileErrorOf(call: () => unknown): FileError {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(FileError);
    return error as FileError;
  }
  throw new Error('expected a FileError');
}
