/** Polls a condition with a bounded number of tries; tests never wait without a limit. */
export async function waitFor(
  condition: () => boolean,
  what: string,
  timeoutMs = 20_000,
  intervalMs = 25,
): Promise<void> {
  const tries = Math.ceil(timeoutMs / intervalMs);
  for (let i = 0; i < tries; i++) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
