/** The one bundle's public surface: the CLI and (later) the actions. Nothing runs on import. */
export async function runCli(argv: readonly string[]): Promise<number> {
  const { main } = await import('./cli/main.js');
  return main(argv);
}
