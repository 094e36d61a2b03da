import fc from 'fast-check';
import { compareHlc, formatHlc, HybridClock, parseHlc } from '../../src/state/hlc.js';

describe('hybrid logical clock', () => {
  test('stamps always increase, even when the wall clock goes backwards or stands still', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 50 }), (walls) => {
        let i = 0;
        const clock = new HybridClock('node', () => Date.UTC(2026, 0, 1) + (walls[i++ % walls.length] ?? 0));
        let previous = '';
        for (let n = 0; n < walls.length * 2; n++) {
          const next = clock.tick();
          expect(compareHlc(next, previous)).toBe(1);
          previous = next;
        }
      }),
    );
  });

  test('a clock that observed a stamp issues only greater ones (a runner whose clock lags)', () => {
    const ahead = new HybridClock('ahead', () => Date.UTC(2030, 0, 1)).tick();
    const behind = new HybridClock('behind', () => Date.UTC(2026, 0, 1));
    behind.observe(ahead);
    expect(behind.tick() > ahead).toBe(true);
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
        expect(Math.sign(compareHlc(formatHlc(a), formatHlc(b)))).toBe(Math.sign(byParts));
        expect(parseHlc(formatHlc(a))).toEqual(a);
      }),
    );
  });

  test('the counter rolls over into the next millisecond instead of overflowing its width', () => {
    const clock = new HybridClock('n', () => 0);
    clock.observe(formatHlc({ wall: 5, counter: 999_999, node: 'x' }));
    expect(parseHlc(clock.tick())).toEqual({ wall: 6, counter: 0, node: 'n' });
  });

  test('refuses node ids that would break the format', () => {
    expect(() => new HybridClock('Bad Node')).toThrow(/node id/);
    expect(() => parseHlc('yesterday')).toThrow(/not a clock stamp/);
  });
});
