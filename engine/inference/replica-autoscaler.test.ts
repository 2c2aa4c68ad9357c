// The autoscaler between the policy and the replicas, on a scripted set of replicas and moved clocks: it acts on the
// policy's decisions, logs and keeps each one, drains with a log line once stopped, and after a replica's model fails
// to load removes it and adds none for a while, however long the queue.
import { describe, expect, it, vi } from 'vitest';
import type { ReplicaCounts } from './onnx-text-generator.ts';
import { FAILED_LOAD_BACKOFF_MS, ReplicaAutoscaler, type ScalableReplicas } from './replica-autoscaler.ts';
import type { ScalingSettings } from './scaling-policy.ts';

const settings: ScalingSettings = { minReplicas: 1, maxReplicas: 3, scaleUpQueue: 1, scaleUpTtftMs: 1_000, scaleUpAfterMs: 1_000, scaleDownAfterMs: 2_000 };

/** Replicas whose counts the test sets; an added one is ready at once, a drained one stops when the test says. */
class ScriptedReplicas implements ScalableReplicas {
  readonly modelId = 'bard';
  counts: ReplicaCounts = { ready: 1, loading: 0, draining: 0, failed: 0 };
  readonly firstTokenLatency = { median: () => null };
  finishDrain: () => void = () => undefined;

  replicaCounts(): ReplicaCounts {
    return { ...this.counts };
  }
  addReplica(): void {
    this.counts.ready += 1;
  }
  drainReplica(): Promise<void> | null {
    this.counts.ready -= 1;
    this.counts.draining += 1;
    return new Promise((resolve) => {
      this.finishDrain = () => {
        this.counts.draining -= 1;
        resolve();
      };
    });
  }
  removeFailedReplicas(): number {
    const removed = this.counts.failed;
    this.counts.failed = 0;
    return removed;
  }
}

function setup() {
  const replicas = new ScriptedReplicas();
  const load = { running: 0, queued: 0 };
  const lines: string[] = [];
  const clock = { ms: 0 };
  const autoscaler = new ReplicaAutoscaler({ settings, replicas, readLoad: () => load, slotsPerReplica: 4, log: (line) => lines.push(line), monotonicNow: () => clock.ms, wallNow: () => new Date(Date.UTC(2026, 11, 7, 8, 0, 0) + clock.ms) });
  /** One look every 500 ms for `ms`. */
  const lookFor = (ms: number) => {
    const actions: string[] = [];
    for (const end = clock.ms + ms; clock.ms < end; clock.ms += 500) actions.push(autoscaler.look().action);
    return actions;
  };
  return { replicas, load, lines, clock, autoscaler, lookFor };
}

describe('ReplicaAutoscaler', () => {
  it('adds a replica once the queue has lasted, logs it, and keeps the decision with its time', () => {
    const { load, lines, autoscaler, lookFor } = setup();
    load.queued = 3;
    load.running = 4;
    expect(lookFor(1_500)).toEqual(['hold', 'hold', 'up']);
    expect(lines).toEqual(['deployment "bard": scaling up from 1 to 2 replicas (3 waiting for 1.0 s); the new one takes requests once loaded']);
    expect(autoscaler.snapshot()).toEqual({
      ready: 2,
      loading: 0,
      draining: 0,
      minReplicas: 1,
      maxReplicas: 3,
      scaleUps: 1,
      scaleDowns: 0,
      events: [{ at: '2026-12-07T08:00:01.000Z', direction: 'up', from: 1, to: 2, reason: '3 waiting for 1.0 s' }],
    });
  });

  it('drains a replica after quiet, and says when it has stopped', async () => {
    const { replicas, lines, autoscaler, lookFor } = setup();
    replicas.counts.ready = 2;
    expect(lookFor(2_500)).toEqual(['hold', 'hold', 'hold', 'hold', 'down']);
    expect(autoscaler.snapshot()).toMatchObject({ ready: 1, draining: 1, scaleDowns: 1 });
    expect(lines).toEqual(['deployment "bard": scaling down from 2 to 1 replicas (0 running and none waiting for 2.0 s); draining one']);
    replicas.finishDrain();
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines.at(-1)).toBe('deployment "bard": a drained replica finished its requests and stopped');
    expect(autoscaler.snapshot()).toMatchObject({ ready: 1, draining: 0 });
  });

  it('removes a replica whose model failed to load and adds none for FAILED_LOAD_BACKOFF_MS, whatever the queue', () => {
    const { replicas, load, lines, clock, lookFor } = setup();
    replicas.counts.failed = 1;
    load.queued = 10;
    load.running = 4;
    expect(lookFor(FAILED_LOAD_BACKOFF_MS - 500)).not.toContain('up');
    expect(lines).toEqual(['deployment "bard": removed 1 replica(s) whose model failed to load (see the line above); no replica is added for 60 s']);
    expect(replicas.counts).toMatchObject({ ready: 1, failed: 0 });
    expect(clock.ms).toBe(FAILED_LOAD_BACKOFF_MS - 500);
    expect(lookFor(1_000)).toEqual(['hold', 'up']); // t = 59.5 s still held back; t = 60 s adds at once
  });

  it('keeps only the newest eventsKept decisions', () => {
    const replicas = new ScriptedReplicas();
    const clock = { ms: 0 };
    const load = { running: 0, queued: 5 };
    const autoscaler = new ReplicaAutoscaler({ settings: { ...settings, maxReplicas: 10, scaleUpAfterMs: 0 }, replicas, readLoad: () => load, slotsPerReplica: 4, log: () => undefined, monotonicNow: () => clock.ms, eventsKept: 3 });
    for (; clock.ms < 5_000; clock.ms += 500) autoscaler.look();
    expect(autoscaler.snapshot().events.map((event) => event.to)).toEqual([8, 9, 10]);
    expect(autoscaler.snapshot().scaleUps).toBe(9);
  });

  it('logs a look that throws on its timer instead of ending the process, and looks again', async () => {
    const replicas = new ScriptedReplicas();
    let calls = 0;
    replicas.replicaCounts = () => {
      calls += 1;
      throw new Error('counts unavailable');
    };
    const lines: string[] = [];
    const autoscaler = new ReplicaAutoscaler({ settings, replicas, readLoad: () => ({ running: 0, queued: 0 }), slotsPerReplica: 4, log: (line) => lines.push(line), intervalMs: 5 });
    autoscaler.start();
    // Waits for the second look itself: a fixed 60 ms wait could end before it on a loaded machine.
    await vi.waitFor(() => expect(calls).toBeGreaterThanOrEqual(2), { timeout: 10_000 });
    autoscaler.stop();
    expect(lines[0]).toBe('deployment "bard": autoscaling failed to look at its replicas: counts unavailable');
  });
});
