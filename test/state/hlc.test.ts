import fc from 'fast-check';
import { propertyRuns } from '../support/property-runs.js';
import { compareHlc, formatHlc, HybridClock, maxHlc, parseHlc } from '../../src/state/hlc.js';

const T = Date.UTC(2026, 0, 1);

/** A clock whose wall time the test sets. */
function manualClock(node = 'node', start = T) {
  let wall = start;
  const clock = new HybridClock(node, () => wall);
  return {
    clock,
    setWall: (ms: number) => (wall = ms),
    tick: () => parseHlc(clock.tick()),
  };
}

describe('hybrid logical clock', () => {
  test('stamps always increase, even when the wall clock goes backwards or stands still', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }), (walls) => {
        let i = 0;
        const clock = new HybridClock('node', () => T + (walls[i++ % walls.length] ?? 0));
        let previous = '';
        for (let n = 0; n < walls.length * 2; n++) {
          const next = clock.tick();
          expect(compareHlc(next, previous)).toBe(1);
          previous = next;
        }
      }),
      propertyRuns(),
    );
  });

  test('follows the wall clock: a later wall time starts a new millisecond with counter 0', () => {
    const c = manualClock();
    expect(c.tick()).toEqual({ wall: T, counter: 0, node: 'node' });
    c.setWall(T + 5_000);
    // Stamps carry real time, so that "last writer wins" means the latest change, not the most ticks.
    expect(c.tick()).toEqual({ wall: T + 5_000, counter: 0, node: 'node' });
    expect(c.clock.isoNow()).toBe(new Date(T + 5_000).toISOString());
  });

  test('a wall time that stands still counts up; one that goes back keeps the clock where it was', () => {
    const c = manualClock();
    c.tick();
    expect(c.tick()).toEqual({ wall: T, counter: 1, node: 'node' });
    expect(c.tick()).toEqual({ wall: T, counter: 2, node: 'node' });
    c.setWall(T - 60_000);
    expect(c.tick()).toEqual({ wall: T, counter: 3, node: 'node' });
  });

  test('a clock that observed a stamp issues only greater ones (a runner whose clock lags)', () => {
    const ahead = new HybridClock('ahead', () => Date.UTC(2030, 0, 1)).tick();
    const behind = manualClock('behind');
    behind.clock.observe(ahead);
    expect(behind.tick()).toEqual({ wall: Date.UTC(2030, 0, 1), counter: 1, node: 'behind' });
    // Once its own wall time passes the observed one, it follows the wall again.
    behind.setWall(Date.UTC(2030, 0, 2));
    expect(behind.tick()).toEqual({ wall: Date.UTC(2030, 0, 2), counter: 0, node: 'behind' });
  });

  test('observing a stamp of the same millisecond moves past its counter, never back below its own', () => {
    const c = manualClock();
    c.tick(); // T#0
    c.clock.observe(formatHlc({ wall: T, counter: 7, node: 'other' }));
    expect(c.tick()).toEqual({ wall: T, counter: 8, node: 'node' });
    // An equal or smaller counter in the same millisecond changes nothing.
    c.clock.observe(formatHlc({ wall: T, counter: 8, node: 'other' }));
    expect(c.tick()).toEqual({ wall: T, counter: 9, node: 'node' });
    c.clock.observe(formatHlc({ wall: T, counter: 2, node: 'other' }));
    expect(c.tick()).toEqual({ wall: T, counter: 10, node: 'node' });
  });

  test('observing an older stamp, or none, never moves the clock backwards', () => {
    const c = manualClock();
    c.tick(); // T#0
    c.tick(); // T#1
    c.clock.observe(formatHlc({ wall: T - 1_000, counter: 500, node: 'old' }));
    c.clock.observe(undefined);
    expect(c.tick()).toEqual({ wall: T, counter: 2, node: 'node' });
  });

  test('string order is the order of (wall, counter, node)', () => {
    const parts = fc.record({
      wall: fc.integer({ min: Date.UTC(2000, 0, 1), max: Date.UTC(2099, 0, 1) }),
      counter: fc.integer({ min: 0, max: 999_999 }),
      node: fc.stringMatching(/^[a-z0-9]{1,8}$/),
    });
    fc.assert(
      fc.property(parts, parts, (a, b) => {
        const byParts = a.wall - b.wall || a.counter - b.counter || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0);
        expect(compareHlc(formatHlc(a), formatHlc(b))).toBe(Math.sign(byParts));
        expect(parseHlc(formatHlc(a))).toEqual(a);
      }),
      propertyRuns(),
    );
    const stamp = formatHlc({ wall: T, counter: 3, node: 'x' });
    expect(compareHlc(stamp, stamp)).toBe(0);
  });

  test('maxHlc is the greater stamp; an absent one loses', () => {
    const older = formatHlc({ wall: T, counter: 1, node: 'a' });
    const newer = formatHlc({ wall: T, counter: 2, node: 'a' });
    expect(maxHlc(older, newer)).toBe(newer);
    expect(maxHlc(newer, older)).toBe(newer);
    expect(maxHlc(older, older)).toBe(older);
    expect(maxHlc(undefined, older)).toBe(older);
    expect(maxHlc(newer, undefined)).toBe(newer);
    expect(maxHlc(undefined, undefined)).toBeUndefined();
  });

  test('the counter rolls over into the next millisecond instead of overflowing its width', () => {
    const clock = new HybridClock('n', () => 0);
    clock.observe(formatHlc({ wall: 5, counter: 999_998, node: 'x' }));
    expect(parseHlc(clock.tick())).toEqual({ wall: 5, counter: 999_999, node: 'n' });
    expect(parseHlc(clock.tick())).toEqual({ wall: 6, counter: 0, node: 'n' });
  });

  test('wall time before 1970 is shown as 1970, not as a date the schema refuses', () => {
    expect(new HybridClock('n', () => -5_000).isoNow()).toBe('1970-01-01T00:00:00.000Z');
  });

  test('refuses node ids and stamps that would break the format', () => {
    for (const node of ['Bad Node', 'node!', '-x!', 'a'.repeat(33), ''])
      expect(() => new HybridClock(node)).toThrow(/node id/);
    expect(new HybridClock('a'.repeat(32)).node).toHaveLength(32);
    const valid = formatHlc({ wall: T, counter: 1, node: 'n' });
    expect(parseHlc(valid)).toEqual({ wall: T, counter: 1, node: 'n' });
    for (const stamp of ['yesterday', `${valid}!`, `x${valid}`, valid.replace('#', '-')])
      expect(() => parseHlc(stamp)).toThrow(/not a clock stamp/);
  });
});
