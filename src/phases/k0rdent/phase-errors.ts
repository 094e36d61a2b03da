/** Tool failures as the engine classifies them: a missing tool is the user's to fix, a failing one is a command failure. */
import { ToolFailedError, ToolNotFoundError } from '../../tools/tool.js';
import { CommandFailedError, PhaseConfigurationError } from '../phase.js';

export async function tool<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    throw asPhaseError(error);
  }
}

export function asPhaseError(error: unknown): unknown {
  if (error instanceof ToolNotFoundError) {
    return new PhaseConfigurationError(
      `${error.tool} is not installed (not found on PATH); install it, or run in GitHub Actions where it is installed for you`,
    );
  }
  if (error instanceof ToolFailedError)
    return new CommandFailedError(error.message, error.exitCode, error.outputTail);
  return error;
}
