import { describe, expect, it } from 'vitest';
import { createRandom } from '../../ml/tensor/random.ts';
import { estimatedSimilarity, MinHashSketch } from './minhash.ts';

function signatureOf(...pieces: string[]): Uint32Array {
  const sketch = new MinHashSketch();
  for (const piece of pieces) sketch.add(piece);
  return sketch.signature();
}

function shingles(text: string): Set<string> {
  const all = new Set<string>();
  for (let start = 0; start + 5 <= text.length; start++) all.add(text.slice(start, start + 5));
  return all;
}

function jaccard(first: string, second: string): number {
  const a = shingles(first);
  const b = shingles(second);
  const shared = [...a].filter((shingle) => b.has(shingle)).length;
  return shared / (a.size + b.size - shared);
}

function randomText(random: () => number, length: number): string {
  return Array.from({ length }, () => 'abcdefghij klmnop'[Math.floor(random() * 17)]).join('');
}

describe('MinHashSketch', () => {
  it('estimates the Jaccard similarity of 5-character shingles within sampling error', () => {
    const random = createRandom(3).uniform;
    for (const keep of [0.95, 0.8, 0.5, 0.2]) {
      const original = randomText(random, 2000);
      const edited = original.slice(0, Math.floor(2000 * keep)) + randomText(random, Math.ceil(2000 * (1 - keep)));
      const estimate = estimatedSimilarity(signatureOf(original), signatureOf(edited));
      expect(Math.abs(estimate - jaccard(original, edited))).toBeLessThan(0.12);
    }
  });

  it('gives the same signature however the text is chunked, and after reset', () => {
    const sketch = new MinHashSketch();
    sketch.add('something unrelated');
    sketch.reset();
    sketch.add('hello wor');
    sketch.add('ld, hello');
    expect(sketch.signature()).toEqual(signatureOf('hello world, hello'));
  });

  it('tells short texts apart, including ones under one shingle long', () => {
    expect(estimatedSimilarity(signatureOf('abc'), signatureOf('abc'))).toBe(1);
    expect(estimatedSimilarity(signatureOf('abc'), signatureOf('abd'))).toBeLessThan(0.1);
    expect(estimatedSimilarity(signatureOf('the cat sat'), signatureOf('a dog barked'))).toBeLessThan(0.1);
  });
});
