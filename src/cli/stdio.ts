/**
 * The CLI's standard output and error, written through one place. A reader that goes away
 * (`status | head -1`) closes the pipe: the next write fails with EPIPE, which Node reports as an
 * 'error' event that would otherwise end the process with a stack trace. Here it ends output
 * quietly instead, and `outputClosed` tells a running command, which stops as if interrupted
 * (recording the phase it was running and releasing the lock) rather than carrying on unseen.
 */

const closedStreams = new WeakSet<NodeJS.WriteStream>();
const closed = new AbortController();
let guarded = false;

/** Installs the guards; called once, before anything is printed. */
export function guardStdio(): void {
  if (guarded) return;
  guarded = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      // Whatever went wrong, this stream cannot be written any more; saying so on it is impossible.
      closedStreams.add(stream);
      if (stream === process.stdout && (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED')) {
        closed.abort(new Error('standard output was closed (the reader of the pipe exited)'));
      }
    });
  }
}

/** Aborted when standard output is closed by its reader. */
export const outputClosed: AbortSignal = closed.signal;

export function writeOut(text: string): void {
  write(process.stdout, text);
}

export function writeErr(text: string): void {
  write(process.stderr, text);
}

function write(stream: NodeJS.WriteStream, text: string): void {
  if (closedStreams.has(stream) || stream.destroyed) return;
  stream.write(text);
}
