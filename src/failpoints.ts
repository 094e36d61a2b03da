/**
 * Named points where crash tests make the process die abruptly (SIGKILL, as a lost runner would),
 * e.g. `K0RDENT_FAILPOINTS=after-commit:deploy_app:in_progress`. Without the variable this is a
 * lookup in an empty set.
 */
const armed = new Set(
  (process.env.K0RDENT_FAILPOINTS ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== ''),
);

export function failpoint(name: string): void {
  if (armed.size > 0 && armed.has(name)) process.kill(process.pid, 'SIGKILL');
}
