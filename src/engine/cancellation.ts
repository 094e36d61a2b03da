/**
 * SIGINT/SIGTERM (Ctrl-C, a cancelled CI job) abort the running work instead of killing the
 * process, so the engine records the phase as failed and the store persists it: nothing is lost.
 */
export async function withCancellation<T>(
  notify: (message: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
): Promise<T> {
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) return;
    notify(`received ${signal}: stopping the running phase and recording it as failed`);
    controller.abort();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}
