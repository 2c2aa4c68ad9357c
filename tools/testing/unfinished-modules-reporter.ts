// A vitest reporter that names the test files which started but never finished. When a test process dies (a native
// crash, the kernel's OOM killer), vitest reports only "Worker exited unexpectedly"; this says which file it was.
import type { Reporter, TestModule } from 'vitest/node';

export default class UnfinishedModulesReporter implements Reporter {
  private readonly running = new Map<string, number>();

  onTestModuleStart(testModule: TestModule): void {
    this.running.set(testModule.moduleId, Date.now());
  }

  onTestModuleEnd(testModule: TestModule): void {
    this.running.delete(testModule.moduleId);
  }

  onTestRunEnd(): void {
    if (this.running.size === 0) return;
    const lines = [...this.running].map(([file, startedAt]) => `  ${file} (started ${((Date.now() - startedAt) / 1000).toFixed(1)} s before the end)`);
    process.stderr.write(`\nTest files that started and never finished (their process died):\n${lines.join('\n')}\n`);
  }
}
