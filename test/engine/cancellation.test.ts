import { withCancellation } from '../../src/engine/cancellation.js';

describe('cancellation', () => {
  test('SIGINT or SIGTERM aborts the running work once and says why; the handlers go when the work ends', async () => {
    const before = { int: process.listenerCount('SIGINT'), term: process.listenerCount('SIGTERM') };
    const notes: string[] = [];
    let seen: AbortSignal | undefined;
    const result = await withCancellation(
      (message) => notes.push(message),
      (signal) => {
        seen = signal;
        expect(process.listenerCount('SIGINT')).toBe(before.int + 1);
        expect(process.listenerCount('SIGTERM')).toBe(before.term + 1);
        expect(signal.aborted).toBe(false);
        process.emit('SIGTERM', 'SIGTERM');
        expect(signal.aborted).toBe(true);
        process.emit('SIGINT', 'SIGINT');
        return Promise.resolve('finished');
      },
    );
    expect(result).toBe('finished');
    expect(seen?.aborted).toBe(true);
    expect(notes).toEqual(['received SIGTERM: stopping the running phase and recording it as failed']);
    expect(process.listenerCount('SIGINT')).toBe(before.int);
    expect(process.listenerCount('SIGTERM')).toBe(before.term);
  });

  test('a SIGINT first is named as such; the handlers go even when the work fails', async () => {
    const notes: string[] = [];
    const before = process.listenerCount('SIGINT');
    await expect(
      withCancellation(
        (message) => notes.push(message),
        (signal) => {
          process.emit('SIGINT', 'SIGINT');
          return Promise.reject(new Error(`stopped: ${String(signal.aborted)}`));
        },
      ),
    ).rejects.toThrow('stopped: true');
    expect(notes).toEqual(['received SIGINT: stopping the running phase and recording it as failed']);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  test('another reason to stop aborts the work once, named by its Error, and is let go when the work ends', async () => {
    const notes: string[] = [];
    const also = new AbortController();
    const result = await withCancellation(
      (message) => notes.push(message),
      async (signal) => {
        expect(signal.aborted).toBe(false);
        also.abort(new Error('standard output closed'));
        expect(signal.aborted).toBe(true);
        // A signal after that stops nothing more and says nothing more.
        process.emit('SIGINT', 'SIGINT');
        return Promise.resolve(signal.aborted);
      },
      also.signal,
    );
    expect(result).toBe(true);
    expect(notes).toEqual(['standard output closed: stopping the running phase and recording it as failed']);
  });

  test('a reason to stop that is not an Error is called "stopped"; one already given stops the work before it starts', async () => {
    const notes: string[] = [];
    const also = new AbortController();
    await withCancellation(
      (message) => notes.push(message),
      (signal) => {
        also.abort('reader gone');
        return Promise.resolve(signal.aborted);
      },
      also.signal,
    );
    expect(notes).toEqual(['stopped: stopping the running phase and recording it as failed']);

    const already = new AbortController();
    already.abort(new Error('closed before the start'));
    const early: string[] = [];
    const seen = await withCancellation(
      (message) => early.push(message),
      (signal) => Promise.resolve(signal.aborted),
      already.signal,
    );
    expect(seen).toBe(true);
    expect(early).toEqual(['closed before the start: stopping the running phase and recording it as failed']);
  });

  test('the other reason to stop is let go when the work ends: aborting it later notifies nobody', async () => {
    const notes: string[] = [];
    const also = new AbortController();
    let during: AbortSignal | undefined;
    await withCancellation(
      (message) => notes.push(message),
      (signal) => {
        during = signal;
        return Promise.resolve();
      },
      also.signal,
    );
    also.abort(new Error('too late'));
    expect(notes).toEqual([]);
    expect(during?.aborted).toBe(false);
  });
});
