/** The one bundle's public surface. Nothing runs on import. */
import { main, type CliEnvironment } from './cli/main.js';

export { runAction, type ActionOptions } from './actions/main.js';

export function runCli(argv: readonly string[], environment: CliEnvironment = {}): Promise<number> {
  return main(argv, environment);
}
