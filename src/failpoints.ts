/**
 * Named points where crash tests make the process die abruptly (SIGKILL, as a lost runner would):
 * `K0RDENT_FAILPOINTS=after-commit:deploy_app:in_progress,store:before-rename#3` kills at the first
 * pass through the first point, or at the third pass through the second. Without the variable this
 * is a lookup in an empty map.
 */
const armed = new Map<string, number>();
for (const spec of (process.env.K0RDENT_FAILPOINTS ?? '').split(',')) {
  const [name = '', nth = '1'] = spec.trim().split('#');
  if (name !== '') armed.set(name, Math.max(1, Number(nth) || 1));
}
// Armed for this process only: a phase's child processes (artifact record) must not inherit them.
delete process.env.K0RDENT_FAILPOINTS;

export function failpoint(name: string): void {
  const remaining = armed.get(name);
  if (remaining === undefined) return;
  if (remaining > 1) {
    armed.set(name, remaining - 1);
    return;
  }
  process.kill(process.pid, 'SIGKILL');
}

/** Whether the next pass through `name` kills the process (to set up a torn write just before it). */
export function failpointDue(name: string): boolean {
  return armed.get(name) === 1;
}
