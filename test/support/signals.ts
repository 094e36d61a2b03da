/** Signals for tests that start processes and process groups of their own. */

/** Sends `sig` (0 only probes); false when no such process or group is left to receive it. */
export function signal(pid: number, sig: NodeJS.Signals | 0): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Whether any process of group `pgid` is still alive. */
export const groupAlive = (pgid: number): boolean => signal(-pgid, 0);
