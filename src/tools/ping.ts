/** Reachability through a tunnel: one ICMP echo answered within a deadline (iputils `ping`). */
import { runTool, type ToolOptions } from './tool.js';

/** Whether `address` answered; ping resends every second until one reply or the deadline. */
export async function answersPing(
  address: string,
  deadlineSeconds: number,
  options: ToolOptions = {},
): Promise<boolean> {
  const result = await runTool('ping', ['-n', '-q', '-c', '1', '-w', String(deadlineSeconds), address], {
    ...options,
    onLine: undefined,
  });
  return result.exitCode === 0;
}
