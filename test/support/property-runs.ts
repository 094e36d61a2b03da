/**
 * How hard a property test searches. `npm test` tries `numRuns` inputs and shrinks a failure to a
 * minimal counterexample. Mutation testing runs every property that reaches a mutant, for each of
 * a few thousand mutants: stryker.config.js sets K0RDENT_PROPERTY_RUNS_SCALE to try fewer inputs
 * and to stop at the first failure without shrinking it (the mutant is killed either way). A
 * shorter search can only let more mutants survive, so the score it gives errs low, never high.
 */
export const PROPERTY_RUNS_SCALE_ENV = 'K0RDENT_PROPERTY_RUNS_SCALE';

export function propertyRuns(numRuns = 100): { numRuns: number; endOnFailure: boolean } {
  const text = process.env[PROPERTY_RUNS_SCALE_ENV];
  if (text === undefined) return { numRuns, endOnFailure: false };
  const scale = Number(text);
  if (!(scale > 0 && scale <= 1))
    throw new Error(`${PROPERTY_RUNS_SCALE_ENV} must be in (0, 1], not "${text}"`);
  return { numRuns: Math.max(10, Math.round(numRuns * scale)), endOnFailure: true };
}
