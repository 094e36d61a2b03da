/**
 * SIGINT/SIGTERM (Ctrl-C, a cancelled CI job) abort the running work instead of killing the
 * process, so the engine records the phase as failed and the store persists it: nothing is lost.
 */
export async function withCancellation<T>(
  notify: (message: string) => void,
  work: (signal: AbortSignal) => Promise<T>,
  /** Another reason to stop, such as the CLI's standard output closed by its reader. */
  also?: AbortSignal,
): Promise<T> {
  const controller = new AbortController();
  const stop = (why: string) => {
    if (controller.signal.aborted) return;
    notify(`${why}: stopping the running phase and recording it as failed`);
    controller.abort();
  };
  const onSignal = (signal: NodeJS.Signals) => stop(`received ${signal}`);
  const onAlso = () => stop(also?.reason instanceof Error ? also.reason.message : 'stopped');
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  if (also?.aborted) onAlso();
  also?.addEventListener('abort', onAlso, { once: true });
  try {
    return await work(controller.signal);
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    also?.removeEventListener('abort', onAlso);
  }
}
