// Cache keys: stable under key order, sensitive to everything that decides a node's output.
import { describe, expect, it } from 'vitest';
import { pretrainSpec } from '../../nodes/pretrain/spec.ts';
import { artifactKeyFor, cacheKeyFor, keyedConfig, type CacheKeyParts } from './cache-key.ts';

const base: CacheKeyParts = { type: 'pretrain', typeVersion: 1, config: { nEmbd: 64, optimizer: { lr: 0.001, beta: 0.9 } }, inputKeys: { tokens: ['k1'] } };

describe('cacheKeyFor', () => {
  it('is a sha256 hex digest that ignores object key order', () => {
    const reordered: CacheKeyParts = { inputKeys: { tokens: ['k1'] }, config: { optimizer: { beta: 0.9, lr: 0.001 }, nEmbd: 64 }, typeVersion: 1, type: 'pretrain' };
    expect(cacheKeyFor(base)).toMatch(/^[0-9a-f]{64}$/);
    expect(cacheKeyFor(reordered)).toBe(cacheKeyFor(base));
  });

  it.each<[string, Partial<CacheKeyParts>]>([
    ['type', { type: 'distill' }],
    ['type version', { typeVersion: 2 }],
    ['nested config', { config: { nEmbd: 64, optimizer: { lr: 0.002, beta: 0.9 } } }],
    ['input keys', { inputKeys: { tokens: ['k2'] } }],
    ['input order', { inputKeys: { tokens: ['k1', 'k2'] } }],
    ['fingerprint', { fingerprint: 'abc' }],
  ])('changes when the %s changes', (_what, change) => {
    expect(cacheKeyFor({ ...base, ...change })).not.toBe(cacheKeyFor(base));
  });

  it('gives every run its own key when a run nonce is passed', () => {
    expect(cacheKeyFor(base, 'run-1')).not.toBe(cacheKeyFor(base, 'run-2'));
    expect(cacheKeyFor(base, 'run-1')).not.toBe(cacheKeyFor(base));
  });
});

describe('artifactKeyFor', () => {
  it('differs per port and per node key', () => {
    const key = cacheKeyFor(base);
    expect(artifactKeyFor(key, 'model')).not.toBe(artifactKeyFor(key, 'report'));
    expect(artifactKeyFor(key, 'model')).not.toBe(artifactKeyFor(cacheKeyFor({ ...base, typeVersion: 3 }), 'model'));
    expect(artifactKeyFor(key, 'model')).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('keyedConfig', () => {
  const defaults = pretrainSpec.config.parse({}) as Record<string, unknown>;
  const keyOf = (config: Record<string, unknown>) => cacheKeyFor({ ...base, config: keyedConfig(pretrainSpec, config) });

  it('takes a training node’s threads, checkpoint interval and samples at their defaults, so changing them alone is a hit', () => {
    const tuned = { ...defaults, threads: 2, checkpointInterval: 7, samplePrompt: 'ROMEO:', sampleTokens: 0 };
    expect(keyOf(tuned)).toBe(keyOf(defaults));
    // A config at the defaults keys as it did before these fields were declared neutral.
    expect(keyedConfig(pretrainSpec, defaults)).toEqual(defaults);
  });

  it('still keys on every field that changes the weights', () => {
    for (const changed of [{ learningRate: 5e-4 }, { maxSteps: 3 }, { evalBatches: 2 }, { seed: 2 }, { device: 'cpu' }]) expect(keyOf({ ...defaults, ...changed })).not.toBe(keyOf(defaults));
  });
});
