import { describe, expect, it } from 'vitest';
import { createRandom } from '../../ml/tensor/random.ts';
import { LshIndex } from './lsh-index.ts';
import { candidateProbability, chooseBanding } from './lsh-parameters.ts';
import { MinHashSketch } from './minhash.ts';

function signatureOf(text: string): Uint32Array {
  const sketch = new MinHashSketch();
  sketch.add(text);
  return sketch.signature();
}

describe('chooseBanding', () => {
  it('puts the steep part of the candidate curve near the threshold and fits the signature', () => {
    for (const threshold of [0.6, 0.85, 0.95]) {
      const banding = chooseBanding(threshold, 128);
      expect(banding.bands * banding.rows).toBeLessThanOrEqual(128);
      expect(candidateProbability(threshold + 0.05, banding)).toBeGreaterThan(0.6);
      expect(candidateProbability(threshold - 0.25, banding)).toBeLessThan(0.2);
    }
  });
});

describe('LshIndex', () => {
  it('flags a lightly edited copy and indexes unrelated documents', () => {
    const random = createRandom(5).uniform;
    const text = () => Array.from({ length: 600 }, () => 'abcdefgh ijklmno'[Math.floor(random() * 16)]).join('');
    const index = new LshIndex(0.85);
    const originals = Array.from({ length: 200 }, text);
    expect(originals.map((original) => index.addUnlessNearDuplicate(signatureOf(original)))).toEqual(originals.map(() => false));
    const edited = originals.slice(0, 20).map((original) => `${original.slice(0, 300)}XY${original.slice(302)}`);
    expect(edited.every((copy) => index.addUnlessNearDuplicate(signatureOf(copy)))).toBe(true);
    expect(index.size).toBe(200);
  });
});
