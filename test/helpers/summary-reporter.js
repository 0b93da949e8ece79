/**
 * Prints one closing line that any CI can read, e.g. "Tests: 240 passed, 0 failed, 6 skipped",
 * after jest's own summary (whose layout differs).
 */
class SummaryReporter {
  onRunComplete(_contexts, results) {
    const skipped = results.numPendingTests + results.numTodoTests;
    const failedSuites = results.numFailedTestSuites - results.testResults.filter((r) => r.numFailingTests > 0).length;
    // a suite that failed to run (syntax error, failed hook) counts as a failure too
    const failed = results.numFailedTests + Math.max(0, failedSuites);
    process.stdout.write(`\nTests: ${results.numPassedTests} passed, ${failed} failed, ${skipped} skipped\n`);
  }
}
module.exports = SummaryReporter;
