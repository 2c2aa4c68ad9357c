// A vitest reporter that names the tests which passed only on a retry (CI retries a failed test; see
// vitest.config.ts). A retried pass keeps the run green on a loaded machine, and this list keeps it from going unseen:
// each name here is a test that depends on timing or load and wants fixing.
import type { Reporter, TestCase } from 'vitest/node';

export default class RetriedTestsReporter implements Reporter {
  private readonly retried: string[] = [];

  onTestCaseResult(testCase: TestCase): void {
    const diagnostic = testCase.diagnostic();
    if (diagnostic === undefined || diagnostic.retryCount === 0 || testCase.result().state !== 'passed') return;
    const tries = diagnostic.retryCount + 1;
    this.retried.push(`  ${testCase.module.moduleId} > ${testCase.fullName} (passed on try ${tries})`);
  }

  onTestRunEnd(): void {
    if (this.retried.length === 0) return;
    process.stderr.write(`\nTests that failed and then passed on a retry (flaky: they depend on timing or load):\n${this.retried.join('\n')}\n`);
  }
}
