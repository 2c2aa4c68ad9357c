// The shared worker-job runner against a scripted worker: results and progress, failures the worker reports or
// throws, early exits, a throwing progress hook, and cancels with and without a grace period, without leaking rejections.

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runWorkerJob, type WorkerJobOptions } from './run-worker-job.ts';
import type { Script, ScriptedProtocol } from './testing/scripted-worker.ts';

const WORKER_URL = new URL('./testing/scripted-worker.ts', import.meta.url);

function run(script: Script, options: Partial<WorkerJobOptions<number>> = {}) {
  return runWorkerJob<ScriptedProtocol>(WORKER_URL, { script }, { label: 'scripted', ...options });
}

/** Aborts the controller once the worker has reported `tick`, so the cancel lands while the job is running. */
function abortAtTick(controller: AbortController, tick: number, reason?: unknown) {
  return (progress: number) => {
    if (progress === tick) controller.abort(reason);
  };
}

const unhandled: unknown[] = [];
const collect = (reason: unknown) => unhandled.push(reason);
beforeAll(() => {
  process.on('unhandledRejection', collect);
});
afterAll(() => {
  process.off('unhandledRejection', collect);
  expect(unhandled).toEqual([]);
});

describe('runWorkerJob', () => {
  it('relays progress in order and settles with the result', async () => {
    const ticks: number[] = [];
    await expect(run('succeed', { onProgress: (tick) => ticks.push(tick) })).resolves.toBe('finished');
    expect(ticks).toEqual([1, 2, 3]);
  });

  it('rejects with the error the job threw, named after the job, keeping its name and stack', async () => {
    const error = (await run('fail').catch((caught: unknown) => caught)) as Error;
    expect(error.message).toBe('scripted failed: bad input');
    expect(error.name).toBe('RangeError');
    expect(error.stack).toContain('scripted-worker.ts');
  });

  it('reports a result that cannot cross threads as a failure', async () => {
    await expect(run('unclonable')).rejects.toThrow(/^scripted failed: .*could not be cloned/);
  });

  it('rejects when the worker exits without a result', async () => {
    await expect(run('exit')).rejects.toThrow('scripted: the worker thread exited (code 3) before reporting a result');
  });

  it('rejects with an error thrown outside the job', async () => {
    await expect(run('crash')).rejects.toThrow('uncaught in the worker');
  });

  it('stops the job and rejects with the error when a progress hook throws', async () => {
    const hook = () => {
      throw new Error('the chart is gone');
    };
    await expect(run('ignore-cancel', { onProgress: hook })).rejects.toThrow('the chart is gone');
  });

  it('terminates a busy worker at once when cancelled without a grace period', async () => {
    const controller = new AbortController();
    const reason = new Error('cancelled by the test');
    let abortedAt = 0;
    const onProgress = (tick: number) => {
      abortedAt = performance.now();
      abortAtTick(controller, 1, reason)(tick);
    };
    const error = (await run('busy', { signal: controller.signal, onProgress }).catch((caught: unknown) => caught)) as Error;
    expect(performance.now() - abortedAt).toBeLessThan(1000);
    expect(error.name).toBe('AbortError');
    expect(error.message).toBe('scripted cancelled');
    expect(error.cause).toBe(reason);
  });

  it('lets a job that honours the cancel stop itself within the grace period', async () => {
    const controller = new AbortController();
    const job = run('honour-cancel', { signal: controller.signal, cancelGraceMs: 5000, onProgress: abortAtTick(controller, 3) });
    await expect(job).rejects.toMatchObject({ name: 'AbortError', message: expect.stringMatching(/^scripted job stopped at tick \d+$/) });
  });

  it('terminates a job that ignores the cancel once the grace period is over', async () => {
    const controller = new AbortController();
    const started = performance.now();
    const job = run('ignore-cancel', { signal: controller.signal, cancelGraceMs: 100, onProgress: abortAtTick(controller, 3) });
    await expect(job).rejects.toMatchObject({ name: 'AbortError', message: 'scripted cancelled (it did not stop within 100 ms, so it was terminated)' });
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('does not start a job whose signal has already aborted', async () => {
    const ticks: number[] = [];
    await expect(run('succeed', { signal: AbortSignal.abort(), onProgress: (tick) => ticks.push(tick) })).rejects.toMatchObject({
      name: 'AbortError',
      message: 'scripted cancelled (before it started)',
    });
    expect(ticks).toEqual([]);
  });

  it('ignores an abort that comes after the result', async () => {
    const controller = new AbortController();
    await expect(run('succeed', { signal: controller.signal })).resolves.toBe('finished');
    controller.abort();
  });
});
