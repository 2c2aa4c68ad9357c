// The scaling policy on scripted signals: pressure must last before a replica is added, quiet must last before one
// goes, a loading replica pauses both clocks, the bounds hold, and a steady load between the two thresholds holds.
import { describe, expect, it } from 'vitest';
import { decideScaling, INITIAL_SCALING_STATE, type ScalingDecision, type ScalingSettings, type ScalingSignals, type ScalingState } from './scaling-policy.ts';

const settings: ScalingSettings = { minReplicas: 1, maxReplicas: 3, scaleUpQueue: 1, scaleUpTtftMs: 1_000, scaleUpAfterMs: 3_000, scaleDownAfterMs: 10_000 };
const calm: Omit<ScalingSignals, 'nowMs'> = { ready: 1, loading: 0, running: 2, queued: 0, slotsPerReplica: 8, recentTtftMs: 50 };

/** Feeds the policy one look per second from t=0 and returns each look's decision. */
function run(looks: Partial<ScalingSignals>[], options: { settings?: ScalingSettings; stepMs?: number } = {}): ScalingDecision[] {
  let state: ScalingState = INITIAL_SCALING_STATE;
  return looks.map((look, index) => {
    const next = decideScaling(options.settings ?? settings, state, { ...calm, nowMs: index * (options.stepMs ?? 1_000), ...look });
    state = next.state;
    return next.decision;
  });
}

const actions = (decisions: ScalingDecision[]) => decisions.map((decision) => decision.action);

describe('decideScaling', () => {
  it('adds a replica once a queue has lasted scaleUpAfterMs, and says why', () => {
    const decisions = run(Array.from({ length: 5 }, () => ({ queued: 4, running: 8 })));
    expect(actions(decisions)).toEqual(['hold', 'hold', 'hold', 'up', 'hold']);
    expect(decisions[3]).toEqual({ action: 'up', from: 1, to: 2, reason: '4 waiting for 3.0 s' });
  });

  it('restarts the pressure clock when the queue empties for one look', () => {
    const decisions = run([{ queued: 2 }, { queued: 2 }, { queued: 0 }, { queued: 2 }, { queued: 2 }, { queued: 2 }, { queued: 2 }]);
    expect(actions(decisions)).toEqual(['hold', 'hold', 'hold', 'hold', 'hold', 'hold', 'up']);
  });

  it('counts a slow first token as pressure even without a queue', () => {
    const decisions = run(Array.from({ length: 4 }, () => ({ recentTtftMs: 1_500 })));
    expect(decisions[3]).toMatchObject({ action: 'up', reason: 'first token in 1500 ms (median) for 3.0 s' });
    expect(actions(run(Array.from({ length: 6 }, () => ({ recentTtftMs: 999 }))))).not.toContain('up');
  });

  it('does not judge while a replica loads, then needs a fresh stretch of pressure', () => {
    const decisions = run([{ queued: 5 }, { queued: 5, ready: 1, loading: 1 }, { queued: 5, ready: 1, loading: 1 }, { queued: 5, ready: 2 }, { queued: 5, ready: 2 }, { queued: 5, ready: 2 }, { queued: 5, ready: 2 }]);
    expect(actions(decisions)).toEqual(['hold', 'hold', 'hold', 'hold', 'hold', 'hold', 'up']);
    expect(decisions[6]).toMatchObject({ from: 2, to: 3 });
  });

  it('never goes above maxReplicas, however long the pressure', () => {
    expect(actions(run(Array.from({ length: 20 }, () => ({ ready: 3, queued: 50, running: 24 }))))).toEqual(Array(20).fill('hold'));
  });

  it('removes a replica after scaleDownAfterMs of quiet, and never below minReplicas', () => {
    const quiet = Array.from({ length: 12 }, () => ({ ready: 2, running: 1 }));
    const decisions = run(quiet);
    expect(decisions.findIndex((decision) => decision.action === 'down')).toBe(10);
    expect(decisions[10]).toEqual({ action: 'down', from: 2, to: 1, reason: '1 running and none waiting for 10.0 s' });
    expect(actions(run(Array.from({ length: 30 }, () => ({ ready: 1, running: 0 }))))).not.toContain('down');
    expect(actions(run(Array.from({ length: 30 }, () => ({ ready: 2, running: 0 })), { settings: { ...settings, minReplicas: 2 } }))).not.toContain('down');
  });

  it('keeps a replica the survivors would need more than half of their slots without (hysteresis)', () => {
    // 3 replicas of 8 slots: 9 running would fill 9/16 of two replicas, so all three stay; 8 is half, so one goes.
    expect(actions(run(Array.from({ length: 30 }, () => ({ ready: 3, running: 9 }))))).not.toContain('down');
    expect(actions(run(Array.from({ length: 12 }, () => ({ ready: 3, running: 8 }))))).toContain('down');
  });

  it('restarts the quiet clock when a request queues', () => {
    const looks = [...Array.from({ length: 8 }, () => ({ ready: 2, running: 1 })), { ready: 2, running: 8, queued: 1 }, ...Array.from({ length: 11 }, () => ({ ready: 2, running: 1 }))];
    const decisions = run(looks);
    // Quiet again from look 9 (t = 9 s), so the replica goes at t = 19 s, not at t = 10 s.
    expect(decisions.findIndex((decision) => decision.action === 'down')).toBe(19);
  });

  it('adds a replica at once when fewer than minReplicas run (one crashed for good)', () => {
    expect(run([{ ready: 1, loading: 0 }], { settings: { ...settings, minReplicas: 2 } })[0]).toEqual({ action: 'up', from: 1, to: 2, reason: 'below minReplicas (2)' });
  });

  it('holds forever at minReplicas == maxReplicas (a fixed deployment)', () => {
    const fixed = { ...settings, minReplicas: 2, maxReplicas: 2 };
    const looks = [...Array.from({ length: 10 }, () => ({ ready: 2, queued: 30, running: 16 })), ...Array.from({ length: 20 }, () => ({ ready: 2, running: 0 }))];
    expect(actions(run(looks, { settings: fixed }))).toEqual(Array(30).fill('hold'));
  });
});
