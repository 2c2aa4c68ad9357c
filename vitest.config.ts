// Test runner settings: unit tests sit beside the code, integration tests live in test/.
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['{app,nodes,engine,main,renderer,tools,test}/**/*.test.{ts,tsx}'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    pool: 'forks',
    // The default output, plus the names of files whose test process died (tools/testing/unfinished-modules-reporter.ts).
    reporters: ['default', './tools/testing/unfinished-modules-reporter.ts'],
  },
});
