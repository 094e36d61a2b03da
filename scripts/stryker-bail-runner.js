// Jest's test runner under mutation testing only (stryker.config.js): stops a run at the first
// test file with a failing test.
//
// One failing test kills a mutant, and Stryker (with its default `disableBail: false`) wants no
// more than that, but it cannot pass Jest's `bail` to `runCLI`. Without this, a killed mutant still
// loads and runs every other test file related to it. That costs most for static mutants (reached
// while modules load, so run against all related tests), and for the surviving mutants, which run
// every covering test either way, it changes nothing. Stryker's first run has no failing test, so
// it runs, and records coverage of, every test.
import TestRunner from 'jest-runner';

export default class BailingTestRunner extends TestRunner {
  async runTests(tests, watcher, options) {
    const stop = () => void watcher.setState({ interrupted: true });
    const unsubscribe = [
      this.on('test-file-success', ([, result]) => {
        if (result.numFailingTests > 0 || result.testExecError) stop();
      }),
      this.on('test-file-failure', stop),
    ];
    try {
      return await super.runTests(tests, watcher, options);
    } finally {
      for (const off of unsubscribe) off();
    }
  }
}
