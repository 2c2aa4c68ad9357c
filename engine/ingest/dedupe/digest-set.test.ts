import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestSet } from './digest-set.ts';

const digest = (text: string) => createHash('sha256').update(text).digest();

describe('DigestSet', () => {
  it('adds each digest once, across growth', () => {
    const set = new DigestSet();
    const added = Array.from({ length: 20_000 }, (_, index) => set.add(digest(`document ${index % 15_000}`)));
    expect(added.filter(Boolean)).toHaveLength(15_000);
    expect(added.slice(15_000).some(Boolean)).toBe(false);
    expect(set.size).toBe(15_000);
  });

  it('refuses digests shorter than 128 bits', () => {
    expect(() => new DigestSet().add(new Uint8Array(8))).toThrow(/at least 16 bytes/);
  });
});
