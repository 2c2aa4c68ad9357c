// Test runner settings: unit tests sit beside the code, integration tests live in test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{app,nodes,engine,main,renderer,tools,test}/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // On CI (a shared, loaded machine) a failed test runs again, up to twice; a test that passes only on a retry is
    // named at the end of the run (tools/testing/retried-tests-reporter.ts). Locally a failure is final.
    retry: process.env.CI ? 2 : 0,
    // expect.poll's own default gives up after 1 s: too soon for a browser and an engine on a loaded machine.
    expect: { poll: { timeout: 30_000 } },
    // The default output, plus the names of files whose test process died and of tests that passed only on a retry.
    reporters: ['default', './tools/testing/unfinished-modules-reporter.ts', './tools/testing/retried-tests-reporter.ts'],
  },
});
