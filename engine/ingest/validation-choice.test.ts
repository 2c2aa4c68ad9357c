import { describe, expect, it } from 'vitest';
import { chooseValidationDocuments, validationCount } from './validation-choice.ts';

describe('validation choice', () => {
  it('takes round(n·fraction) documents, at least one and never all', () => {
    expect(validationCount(100, 0.1)).toBe(10);
    expect(validationCount(5, 0.1)).toBe(1);
    expect(validationCount(2, 0.5)).toBe(1);
    expect(validationCount(1, 0.5)).toBe(0);
    expect(validationCount(100, 0)).toBe(0);
  });

  it('is the same for a seed and different across seeds', () => {
    const first = chooseValidationDocuments(1000, 0.1, 42);
    expect(chooseValidationDocuments(1000, 0.1, 42)).toEqual(first);
    expect(chooseValidationDocuments(1000, 0.1, 43)).not.toEqual(first);
    expect(first.reduce((sum, flag) => sum + flag, 0)).toBe(100);
  });

  it('spreads the choice over the whole corpus', () => {
    const chosen = chooseValidationDocuments(10_000, 0.2, 1);
    const firstHalf = chosen.subarray(0, 5000).reduce((sum, flag) => sum + flag, 0);
    expect(firstHalf).toBeGreaterThan(900);
    expect(firstHalf).toBeLessThan(1100);
  });

  it('depends on the document count: one more document moves earlier ones between the splits (README, "Split")', () => {
    const before = chooseValidationDocuments(1000, 0.1, 1337);
    const after = chooseValidationDocuments(1001, 0.1, 1337).subarray(0, 1000);
    const movedToTrain = before.reduce((sum, flag, index) => sum + (flag === 1 && after[index] === 0 ? 1 : 0), 0);
    expect(movedToTrain).toBeGreaterThan(10);
  });
});
