// Tests for the dimension algebra behind shape inference: broadcasting, products, quotients and sums.

import { describe, expect, it } from 'vitest';
import { broadcastShapes, differenceOfDims, normalizeAxis, productOfDims, quotientOfDims, sumOfDims } from './dims.ts';

describe('broadcastShapes', () => {
  it('follows numpy rules, including symbolic dims meeting 1', () => {
    expect(broadcastShapes('Add', [[2, 1, 4], [3, 1]])).toEqual([2, 3, 4]);
    expect(broadcastShapes('Add', [['B', 'T', 8], [8]])).toEqual(['B', 'T', 8]);
    expect(broadcastShapes('Where', [[1, 'T'], ['B', 1], []])).toEqual(['B', 'T']);
  });

  it('names the op and the shapes when they cannot broadcast', () => {
    expect(() => broadcastShapes('Add', [[2, 3], [4]])).toThrow('Add: cannot broadcast [2,3] with [4]');
    expect(() => broadcastShapes('Mul', [['B'], ['T']])).toThrow('Mul: cannot broadcast [B] with [T]');
  });
});

describe('products and quotients of dims', () => {
  it('canonicalizes products so equal products compare equal', () => {
    expect(productOfDims(['T', 'B'])).toBe('B*T');
    expect(productOfDims(['B', 2, 'T', 3])).toBe('6*B*T');
    expect(productOfDims([2, 3])).toBe(6);
    expect(productOfDims([])).toBe(1);
  });

  it('divides out factors and reports inexact division as undefined', () => {
    expect(quotientOfDims(['B', 'T', 8], [8])).toBe('B*T');
    expect(quotientOfDims(['B*T', 12], ['B', 4])).toBe('3*T');
    expect(quotientOfDims([6], [4])).toBeUndefined();
    expect(quotientOfDims(['B'], ['T'])).toBeUndefined();
  });

  it('keeps parenthesized sums whole inside products', () => {
    const total = sumOfDims(['P', 'T']);
    expect(total).toBe('(P+T)');
    expect(productOfDims([total, 'B'])).toBe('(P+T)*B');
    expect(quotientOfDims([productOfDims([total, 'B'])], ['B'])).toBe('(P+T)');
    expect(sumOfDims([2, 3])).toBe(5);
    expect(sumOfDims(['T', 'T'])).toBe('2*T');
    expect(sumOfDims(['B*T', 'T*B', -1])).toBe('(2*B*T-1)');
    expect(sumOfDims([sumOfDims(['P', 1]), -1])).toBe('P');
    expect(sumOfDims([sumOfDims(['P', 'T', -1]), 'T', 2])).toBe('(P+2*T+1)');
  });
});

describe('differenceOfDims', () => {
  it('takes a term out of a sum, and says undefined when the term is not in it', () => {
    expect(differenceOfDims(sumOfDims(['P', 'S']), 'S')).toBe('P');
    expect(differenceOfDims(sumOfDims(['P', 'S', 'T']), 'P')).toBe('(S+T)');
    expect(differenceOfDims('S', 'S')).toBe(0);
    expect(differenceOfDims(7, 3)).toBe(4);
    expect(differenceOfDims(sumOfDims(['P', 'S']), 'T')).toBeUndefined();
  });
});

describe('normalizeAxis', () => {
  it('wraps negative axes and rejects out-of-range ones', () => {
    expect(normalizeAxis('Softmax', -1, 3)).toBe(2);
    expect(() => normalizeAxis('Softmax', 3, 3)).toThrow('Softmax: axis 3 is out of range for rank 3');
  });
});
