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
});
