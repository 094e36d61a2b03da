// Jest's test sequencer under mutation testing only (stryker.config.js): each mutant loads only the
// test files that hold a test covering it, those likeliest to kill it first.
//
// Stryker runs each mutant with `--findRelatedTests <mutated file>` and `--testNamePattern` naming
// the tests that covered the mutant in its first run. Jest then still loads every related test file
// and skips the tests that do not match; for a module nearly every test imports (schema.ts, hlc.ts)
// that is a dozen files of ESM module graphs evaluated per mutant to run one or two tests, most of
// the time of a mutant. This sequencer drops the files in which no test matches the pattern, which
// jest would have run with every test skipped: the same tests run, with the same results.
//
// Which test is in which file comes from the first run (no pattern: every test runs), recorded in
// the sandbox. A mutant that is reached while test files load, outside any test, is a static mutant:
// Stryker runs it with no pattern, so all related files run. If the record is missing or names no
// file for a pattern, every related file runs, as without this sequencer.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import TestSequencer from '@jest/test-sequencer';

const RECORD = '.stryker-test-names.json';

/** @type {Map<string, readonly string[]> | undefined} test file → full names of its tests */
let testNames;

function recordPath(rootDir) {
  return path.join(rootDir, RECORD);
}

function loadTestNames(rootDir) {
  if (testNames) return testNames;
  try {
    testNames = new Map(Object.entries(JSON.parse(readFileSync(recordPath(rootDir), 'utf8'))));
  } catch {
    return undefined;
  }
  return testNames;
}

export default class MutantTestSequencer extends TestSequencer {
  #globalConfig;

  constructor(options) {
    super(options);
    this.#globalConfig = options.globalConfig;
  }

  sort(tests) {
    const pattern = this.#globalConfig.testNamePattern;
    const names = pattern ? loadTestNames(this.#globalConfig.rootDir) : undefined;
    if (!pattern || !names) return this.#killersFirst(tests);
    // Jest matches the pattern the same way: case-insensitive, against the full name.
    const matches = new RegExp(pattern, 'i');
    const covering = tests.filter((test) => {
      const inFile = names.get(test.path);
      return inFile === undefined || inFile.some((name) => matches.test(name));
    });
    return this.#killersFirst(covering.length > 0 ? covering : tests);
  }

  /**
   * Jest runs the slowest files first, to keep its workers busy. Here one runner stops at the
   * first failure (stryker-bail-runner.js), so first the files that failed last time (they killed
   * the previous mutant, most likely one next to this one), then the quickest.
   */
  #killersFirst(tests) {
    const key = (test) => [this.hasFailed(test) ? 0 : 1, this.time(test) ?? Number.MAX_SAFE_INTEGER];
    return tests
      .map((test) => ({ test, key: key(test) }))
      .sort((a, b) => a.key[0] - b.key[0] || a.key[1] - b.key[1])
      .map(({ test }) => test);
  }

  cacheResults(tests, results) {
    super.cacheResults(tests, results);
    // The first run of the sandbox is Stryker's dry run, with no pattern: every test ran. Record
    // them once; later runs without a pattern (static mutants) run the same tests.
    if (this.#globalConfig.testNamePattern || testNames) return;
    const record = {};
    for (const file of results.testResults)
      record[file.testFilePath] = file.testResults.map((test) => test.fullName);
    try {
      writeFileSync(recordPath(this.#globalConfig.rootDir), JSON.stringify(record), { flag: 'wx' });
    } catch (error) {
      if (error.code !== 'EEXIST') throw error;
    }
  }
}
