// The deploy node's replica fields: how replicas, minReplicas and maxReplicas combine, and the ranges it refuses.
import { describe, expect, it } from 'vitest';
import { deployConfig, deploySpec, replicaRange } from './spec.ts';

const config = (input: Record<string, unknown>) => deployConfig.parse(input);

describe('replicaRange', () => {
  it('keeps replicas fixed when neither bound is set, as before autoscaling', () => {
    expect(replicaRange(config({}))).toEqual({ initial: 1, min: 1, max: 1 });
    expect(replicaRange(config({ replicas: 3 }))).toEqual({ initial: 3, min: 3, max: 3 });
  });

  it('starts at replicas and scales between the bounds; a bound left at 0 follows replicas', () => {
    expect(replicaRange(config({ maxReplicas: 3 }))).toEqual({ initial: 1, min: 1, max: 3 });
    expect(replicaRange(config({ replicas: 2, minReplicas: 1, maxReplicas: 4 }))).toEqual({ initial: 2, min: 1, max: 4 });
    expect(replicaRange(config({ minReplicas: 2 }))).toEqual({ initial: 2, min: 2, max: 2 });
    expect(replicaRange(config({ minReplicas: 2, maxReplicas: 5 }))).toEqual({ initial: 2, min: 2, max: 5 });
  });
});

describe('deploySpec.checkConfig', () => {
  it('refuses minReplicas above maxReplicas, and a start above maxReplicas, naming the field', () => {
    expect(deploySpec.checkConfig!(config({ minReplicas: 4, maxReplicas: 2 }))).toEqual([{ field: 'maxReplicas', message: 'must be at least minReplicas (4), not 2' }]);
    expect(deploySpec.checkConfig!(config({ replicas: 5, maxReplicas: 3 }))[0]).toMatchObject({ field: 'replicas', message: expect.stringMatching(/starts above maxReplicas \(3\)/) });
    expect(deploySpec.checkConfig!(config({ replicas: 2, minReplicas: 1, maxReplicas: 3 }))).toEqual([]);
  });

  it('fills the autoscale thresholds with defaults', () => {
    expect(config({}).autoscale).toEqual({ scaleUpQueue: 1, scaleUpTtftMs: 2_000, scaleUpAfterSeconds: 3, scaleDownAfterSeconds: 60 });
  });
});

describe('deploySpec.facts', () => {
  const noUpstream = { upstreamConfig: () => undefined };
  it('says whether the replicas are fixed or scale, and between which bounds', () => {
    expect(deploySpec.facts!(config({ replicas: 2 }), noUpstream)).toEqual([{ label: 'Replicas', value: '2', note: 'fixed; set maxReplicas above it to scale with the load' }]);
    expect(deploySpec.facts!(config({ maxReplicas: 3, autoscale: { scaleDownAfterSeconds: 30 } }), noUpstream)).toEqual([
      { label: 'Replicas', value: '1–3', note: 'starts with 1; adds one after 3 s of queue or slow first tokens, drains one after 30 s quiet' },
    ]);
  });
});
