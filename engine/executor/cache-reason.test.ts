// The "why" strings: each difference between two sets of key parts, in the exact words users see.
import { describe, expect, it } from 'vitest';
import type { CacheKeyParts } from './cache-key.ts';
import { alwaysRunsReason, explainCacheMiss } from './cache-reason.ts';

const previous: CacheKeyParts = {
  type: 'pretrain',
  typeVersion: 1,
  config: { nEmbd: 64, nHead: 4, optimizer: { lr: 0.001 }, sources: [{ path: '/a' }] },
  inputKeys: { tokens: ['t1'], tokenizer: ['z1'] },
};
const withChange = (change: Partial<CacheKeyParts>): CacheKeyParts => ({ ...previous, ...change });

describe('explainCacheMiss', () => {
  it.each<[string, CacheKeyParts | undefined, CacheKeyParts]>([
    ['no cached artifact', undefined, previous],
    ['no cached artifact', previous, previous],
    ['config field nEmbd changed', previous, withChange({ config: { ...previous.config, nEmbd: 128 } })],
    ['config fields nEmbd, nHead changed', previous, withChange({ config: { ...previous.config, nEmbd: 128, nHead: 8 } })],
    ['config field optimizer.lr changed', previous, withChange({ config: { ...previous.config, optimizer: { lr: 0.01 } } })],
    ['config field sources.0.path changed', previous, withChange({ config: { ...previous.config, sources: [{ path: '/b' }] } })],
    ['config field sources changed', previous, withChange({ config: { ...previous.config, sources: [] } })],
    ['config field dropout changed', previous, withChange({ config: { ...previous.config, dropout: 0.1 } })],
    ['input tokens changed', previous, withChange({ inputKeys: { tokens: ['t2'], tokenizer: ['z1'] } })],
    ['inputs tokenizer, tokens changed', previous, withChange({ inputKeys: { tokens: ['t2'], tokenizer: ['z2'] } })],
    ['source content changed', previous, withChange({ fingerprint: 'sha-new' })],
    ['node type version changed (1 → 2)', previous, withChange({ typeVersion: 2 })],
  ])('says "%s"', (reason, before, after) => {
    expect(explainCacheMiss(before, after)).toBe(reason);
  });

  it('lists several kinds of change together', () => {
    const after = withChange({ typeVersion: 2, config: { ...previous.config, nHead: 2 }, fingerprint: 'x' });
    expect(explainCacheMiss(previous, after)).toBe('node type version changed (1 → 2); config field nHead changed; source content changed');
  });
});

describe('alwaysRunsReason', () => {
  it('names forced, service and non-idempotent nodes, and lets others use the cache', () => {
    expect(alwaysRunsReason({}, 'forced')).toBe('forced');
    expect(alwaysRunsReason({ service: true }, null)).toBe('always runs (service)');
    expect(alwaysRunsReason({ nonIdempotent: true }, null)).toBe('always runs (non-idempotent)');
    expect(alwaysRunsReason({}, null)).toBeNull();
  });
});
