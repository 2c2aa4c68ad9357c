import { describe, expect, it } from 'vitest';
import { formatMetric, formatTick, metricLabel } from './format.ts';

describe('formatTick', () => {
  it('uses the decimals the tick spacing needs', () => {
    expect([7, 7.5, 8].map((value) => formatTick(value, 0.5))).toEqual(['7.0', '7.5', '8.0']);
    expect([0, 0.25, 0.5].map((value) => formatTick(value, 0.25))).toEqual(['0.00', '0.25', '0.50']);
    expect([2, 4, 6].map((value) => formatTick(value, 2))).toEqual(['2', '4', '6']);
  });

  it('groups thousands and keeps the spacing of large ticks', () => {
    expect(formatTick(2500, 500)).toBe('2,500');
    expect(formatTick(12_000, 2_000)).toBe('12,000');
  });

  it('writes very small and very large values with exponents, precise enough to tell ticks apart', () => {
    expect(formatTick(0.0003, 0.0001)).toBe('3e-4');
    expect(formatTick(0.00025, 0.00005)).toBe('2.5e-4');
    expect(formatTick(3_000_000, 1_000_000)).toBe('3e+6');
  });
});

describe('metric values and names', () => {
  it('names the key metrics for people', () => {
    expect(metricLabel('tokensPerSec')).toBe('tokens/s');
    expect(metricLabel('valLoss')).toBe('val loss');
    expect(metricLabel('rssMiB')).toBe('memory (RSS, MiB)');
    expect(metricLabel('perplexity')).toBe('perplexity');
  });

  it('groups thousands in a value', () => {
    expect(formatMetric(2564.7)).toBe('2,564.7');
    expect(formatMetric(3.14159)).toBe('3.142');
    expect(formatMetric(12)).toBe('12');
  });
});
