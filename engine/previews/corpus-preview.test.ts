import { describe, expect, it } from 'vitest';
import { lengthHistogram } from './corpus-preview.ts';

describe('lengthHistogram', () => {
  it('bins lengths on round edges from the shortest document to the longest, the last bin open above', () => {
    expect(lengthHistogram([45, 60, 99, 100, 150, 1200])).toEqual({ edges: [20, 50, 100, 200, 500, 1000], counts: [1, 2, 2, 0, 0, 1] });
    expect(lengthHistogram([7])).toEqual({ edges: [5], counts: [1] });
    expect(lengthHistogram([0, 3])).toEqual({ edges: [0, 1, 2], counts: [1, 0, 1] });
    expect(lengthHistogram([])).toEqual({ edges: [], counts: [] });
  });

  it('keeps at most 12 bins, merging the shortest, and counts every document', () => {
    const lengths = [1, 3, 30, 300, 3000, 30_000, 300_000, 3_000_000];
    const histogram = lengthHistogram(lengths);
    expect(histogram.edges.length).toBeLessThanOrEqual(12);
    expect(histogram.edges[0]).toBe(1);
    expect(histogram.counts.reduce((sum, count) => sum + count, 0)).toBe(lengths.length);
  });

  it('bins a large corpus\'s lengths (more documents than a call takes arguments)', () => {
    const lengths = Array.from({ length: 450_000 }, (_, index) => 10 + (index % 90));
    expect(lengthHistogram(lengths)).toEqual({ edges: [10, 20, 50], counts: [50_000, 150_000, 250_000] });
  });
});
