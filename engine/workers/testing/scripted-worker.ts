// A worker entry for run-worker-job.test.ts: each script plays one way a job can end — a result, a thrown error,
// an early exit, an uncaught error, a busy loop, a cancel honoured or ignored — so the runner is tested without ML.

import { setTimeout as sleep } from 'node:timers/promises';
import { performWorkerJob } from '../perform-worker-job.ts';
import type { WorkerJobProtocol } from '../worker-job-protocol.ts';

export type Script = 'succeed' | 'fail' | 'exit' | 'crash' | 'busy' | 'honour-cancel' | 'ignore-cancel' | 'unclonable';

/** Progress is a tick count; the result a line of text. */
export type ScriptedProtocol = WorkerJobProtocol<{ script: Script }, number, string>;

const TICK_MS = 10;

performWorkerJob<ScriptedProtocol>(async ({ script }, { report, signal }) => {
  report(1);
  switch (script) {
    case 'succeed':
      report(2);
      report(3);
      return 'finished';
    case 'fail':
      throw new RangeError('bad input');
    case 'exit':
      process.exit(3);
    case 'crash':
      setTimeout(() => {
        throw new Error('uncaught in the worker');
      });
      return new Promise<string>(() => undefined);
    case 'busy':
      for (;;);
    case 'honour-cancel':
      for (let tick = 2; ; tick++) {
        await sleep(TICK_MS);
        if (signal.aborted) throw abortError(`scripted job stopped at tick ${tick}`);
        report(tick);
      }
    case 'ignore-cancel':
      for (let tick = 2; ; tick++) {
        await sleep(TICK_MS);
        report(tick);
      }
    case 'unclonable':
      return (() => 'a function cannot cross threads') as unknown as string;
  }
});

function abortError(message: string): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}
