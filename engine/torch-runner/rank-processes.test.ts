// The launcher's mechanics with a stand-in rank (testing/fake_rank.py, plain Python, no torch): each rank's
// environment, rank 0's events apart from its log lines, a dying rank stopping the others at once, and a cancel
// stopping every rank. The real trainer runs in engine/capabilities/torch-runner-pipeline.test.ts.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseEventLine, RankFailure, runRanks } from './rank-processes.ts';

const FAKE_RANK = fileURLToPath(new URL('./testing/fake_rank.py', import.meta.url));
const PYTHON = '/usr/bin/python3';

function launch(mode: string, worldSize: number, signal?: AbortSignal) {
  const events: Record<string, unknown>[] = [];
  const logs: { line: string; rank: number }[] = [];
  const done = runRanks({
    python: PYTHON,
    args: [FAKE_RANK],
    worldSize,
    threadsPerRank: 3,
    env: { FAKE_RANK_MODE: mode },
    signal,
    killGraceMs: 1000,
    onEvent: (event) => events.push(event),
    onLog: (line, rank) => logs.push({ line, rank }),
  });
  return { done, events, logs };
}

describe('runRanks', () => {
  it('gives every rank torchrun’s environment and one rendezvous port; rank 0’s JSON lines are events, the rest log lines', async () => {
    const { done, events, logs } = launch('ok', 3);
    await done;
    expect(events.map((event) => event.event)).toEqual(['start', 'env', 'done']);
    const env0 = events.find((event) => event.event === 'env') as Record<string, string>;
    expect(env0).toMatchObject({ RANK: '0', LOCAL_RANK: '0', WORLD_SIZE: '3', LOCAL_WORLD_SIZE: '3', MASTER_ADDR: '127.0.0.1', OMP_NUM_THREADS: '3', OMP_WAIT_POLICY: process.env.OMP_WAIT_POLICY ?? 'PASSIVE', PYTHONUNBUFFERED: '1' });
    const others = logs.filter((entry) => entry.line.includes(' env ')).map((entry) => JSON.parse(entry.line.slice(entry.line.indexOf('{'))) as Record<string, string>);
    expect(others.map((env) => [env.RANK, env.LOCAL_RANK, env.WORLD_SIZE]).sort()).toEqual([['1', '1', '3'], ['2', '2', '3']]);
    expect(new Set([env0.MASTER_PORT, ...others.map((env) => env.MASTER_PORT)]).size, 'one MASTER_PORT for all').toBe(1);
    expect(Number(env0.MASTER_PORT)).toBeGreaterThan(0);
    expect(logs).toContainEqual({ line: 'a plain stdout line', rank: 0 });
    expect(logs).toContainEqual({ line: 'rank 2 says hello on stderr', rank: 2 });
  });

  it('stops the other ranks as soon as one dies and names it, with its last output', async () => {
    const started = Date.now();
    const { done } = launch('die', 2);
    const failure = await done.then(
      () => null,
      (error: unknown) => error,
    );
    const elapsed = Date.now() - started;
    expect(failure).toBeInstanceOf(RankFailure);
    const rankFailure = failure as RankFailure;
    expect(rankFailure.message).toMatch(/^rank 1 of 2 \(pid \d+\) exited with code 3$/);
    expect(rankFailure.exit).toMatchObject({ rank: 1, code: 3, signal: null });
    expect(rankFailure.stderrTail).toContain('rank 1: something went wrong');
    // Rank 0 sleeps for 120 s; it was stopped right after rank 1 died (python starts in well under a few seconds).
    expect(elapsed).toBeLessThan(15_000);
  });

  it('stops every rank on a cancel and rejects with an AbortError', async () => {
    const controller = new AbortController();
    const { done, events } = launch('hang', 2, controller.signal);
    while (!events.some((event) => event.event === 'env')) await new Promise((resolve) => setTimeout(resolve, 20));
    const cancelledAt = Date.now();
    controller.abort();
    await expect(done).rejects.toMatchObject({ name: 'AbortError', message: expect.stringMatching(/every rank was stopped/) });
    expect(Date.now() - cancelledAt, 'SIGTERM stops a sleeping Python at once').toBeLessThan(3000);
  });

  it('starts no rank when the cancel comes while it looks up the rendezvous port', async () => {
    const controller = new AbortController();
    const { done, events, logs } = launch('hang', 2, controller.signal);
    controller.abort(); // runRanks is awaiting its free port now
    await expect(done).rejects.toMatchObject({ name: 'AbortError' });
    expect(events).toEqual([]);
    expect(logs).toEqual([]);
  });

  it('refuses to start when the signal has already aborted', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(launch('ok', 1, controller.signal).done).rejects.toMatchObject({ name: 'AbortError' });
  });
});

describe('parseEventLine', () => {
  it('takes JSON objects with an event name and leaves every other line to the log', () => {
    expect(parseEventLine('{"event":"step","step":3}')).toEqual({ event: 'step', step: 3 });
    expect(parseEventLine('{"step":3}')).toBeNull();
    expect(parseEventLine('{not json')).toBeNull();
    expect(parseEventLine('[1,2]')).toBeNull();
    expect(parseEventLine('loss 3.2')).toBeNull();
  });
});
