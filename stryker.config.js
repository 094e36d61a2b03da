// Mutation testing of the pure core and the engine: `npm run test:mutation` (not part of `npm test`;
// .github/workflows/mutation.yml runs it weekly). Each mutant runs only the tests that covered it
// (`perTest`), found among the test files that import its file (`enableFindRelatedTests`).
//
// Equivalent mutants are not hidden: each is switched off where it sits, with
// `// Stryker disable next-line <mutator>: <why it cannot change behaviour>`, and the report lists
// them as ignored with that reason.

// Property tests search less under mutation testing; see test/support/property-runs.ts.
process.env.K0RDENT_PROPERTY_RUNS_SCALE ??= '0.25';

/**
 * The mutated files in groups, each with the tests that exercise it. A mutant is tested only by the
 * tests of its group: the pure state and graph modules by their own unit tests (not by every engine
 * and store test that happens to stamp a record), the engine by the engine and pipeline tests, and the
 * two engine modules that only drive the built-in deployment by the tests that start its harness (a
 * fake ARM server) — too slow to run for every mutant of the rest of the engine. scripts/mutation.js
 * runs the groups one after another (K0RDENT_MUTATION_GROUP) and reports them as one.
 */
export const GROUPS = {
  state: {
    mutate: ['src/state/**/*.ts', 'src/graph/**/*.ts'],
    tests: ['test/state/**/*.test.ts', 'test/graph/**/*.test.ts'],
  },
  engine: {
    mutate: ['src/engine/**/*.ts', '!src/engine/fast-rollback.ts', '!src/engine/fresh-start.ts'],
    tests: [
      'test/engine/**/*.test.ts',
      '!**/test/engine/fast-rollback.test.ts',
      '!**/test/engine/fresh-start.test.ts',
      'test/phases/pipeline/**/*.test.ts',
    ],
  },
  'built-in': {
    mutate: ['src/engine/fast-rollback.ts', 'src/engine/fresh-start.ts'],
    tests: ['test/engine/fast-rollback.test.ts', 'test/engine/fresh-start.test.ts'],
  },
};

const name = process.env.K0RDENT_MUTATION_GROUP ?? 'state';
const group = GROUPS[name];
if (!group)
  throw new Error(`K0RDENT_MUTATION_GROUP must be one of ${Object.keys(GROUPS).join(', ')}, not "${name}"`);
const rooted = (glob) => (glob.startsWith('!') ? glob : `<rootDir>/${glob}`);

/** @type {import('@stryker-mutator/api/core').PartialStrykerOptions} */
export default {
  mutate: group.mutate,
  testRunner: 'jest',
  // Jest runs the TypeScript sources as ESM (see jest.config.js).
  testRunnerNodeArgs: ['--experimental-vm-modules'],
  coverageAnalysis: 'perTest',
  jest: {
    configFile: 'jest.config.js',
    config: {
      // src/ is a root so that Jest's dependency graph knows which test files import a mutated file.
      roots: ['<rootDir>/test', '<rootDir>/src'],
      testMatch: group.tests.map(rooted),
      // These tests run no bundle, so the global setup that builds one is not needed.
      globalSetup: null,
      // Loads only the test files holding a test that covers the mutant (see the file).
      testSequencer: '<rootDir>/scripts/stryker-test-sequencer.js',
      // Stops at the first test file with a failing test: one kills the mutant (see the file).
      runner: '<rootDir>/scripts/stryker-bail-runner.js',
    },
    enableFindRelatedTests: true,
  },
  concurrency: 2,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: `reports/mutation/${name}/index.html` },
  jsonReporter: { fileName: `reports/mutation/${name}/mutation.json` },
  incrementalFile: `reports/mutation/${name}/incremental.json`,
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  // A mutant that times out counts as killed: wait longer than Stryker's default 5 s, so that a slow
  // or busy runner does not pass off a surviving mutant as one that made a loop endless.
  timeoutMS: 10_000,
};
