import { formatDuration, silentReporter } from '../../src/engine/reporter.js';

describe('reporter', () => {
  test('durations read as both surfaces print them', () => {
    expect(formatDuration(undefined)).toBe('');
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(849.6)).toBe('850 ms');
    expect(formatDuration(999)).toBe('999 ms');
    expect(formatDuration(1000)).toBe('1.0 s');
    expect(formatDuration(12_345)).toBe('12.3 s');
    expect(formatDuration(59_999)).toBe('60.0 s');
    expect(formatDuration(60_000)).toBe('1 min 0 s');
    expect(formatDuration(245_400)).toBe('4 min 5 s');
    expect(formatDuration(3_600_000 + 1_600)).toBe('60 min 2 s');
  });

  test('the silent reporter takes every call and says nothing', () => {
    const phase = { name: 'a', displayName: 'A' };
    const said: unknown[] = [];
    const take = (call: () => unknown) => {
      said.push(call());
    };
    take(() => silentReporter.decided(phase, { action: 'run', reason: 'x', reset: 'none' }));
    take(() => silentReporter.reset(phase, ['a'], 'x'));
    take(() => silentReporter.output(phase, 'line', 'stdout'));
    take(() => silentReporter.finished(phase, { status: 'completed', durationMs: 1 }));
    take(() => silentReporter.undone(phase, { durationMs: 1 }));
    take(() => silentReporter.info('x'));
    take(() => silentReporter.notice('x', 't'));
    take(() => silentReporter.warn('x', 't'));
    expect(said).toEqual(Array.from({ length: 8 }, () => undefined));
  });
});
