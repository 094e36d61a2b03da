import { parse } from 'yaml';
import { z } from 'zod';

test('runs on Node 24 with ESM dependencies', () => {
  expect(Number(process.versions.node.split('.')[0])).toBeGreaterThanOrEqual(24);
  expect(z.object({ a: z.number() }).parse(parse('a: 1'))).toEqual({ a: 1 });
});
