/**
 * What a child process (a phase's script, a tool) inherits: the caller's environment without the
 * runner's credentials that only this process needs. An action step's state keys and token arrive as
 * INPUT_* variables and the runner's artifact token as ACTIONS_RUNTIME_TOKEN; a script of a phase,
 * or a tool it calls, has no business with them, and would hand them on to everything it starts.
 */
const WITHHELD = [
  'INPUT_STATE-KEY',
  'INPUT_PREVIOUS-STATE-KEY',
  'INPUT_GITHUB-TOKEN',
  'ACTIONS_RUNTIME_TOKEN',
] as const;

export function childEnvironment(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && !(WITHHELD as readonly string[]).includes(key)) out[key] = value;
  }
  return out;
}
