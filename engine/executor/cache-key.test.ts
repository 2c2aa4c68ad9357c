// Cache keys: stable under key order, sensitive to everything that decides a node's output.
import { describe, expect, it } from 'vitest';
import { artifactKeyFor, cacheKeyFor, type CacheKeyParts } from './cache-key.ts';

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
