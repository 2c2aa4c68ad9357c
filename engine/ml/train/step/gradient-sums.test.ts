// The gradient sums' double buffer: a step starts from zeros that are never written, and a micro-step never writes
// the set it reads.

import { describe, expect, it } from 'vitest';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import { flatLayout } from './flat-layout.ts';
import { GradientSums } from './gradient-sums.ts';

const layout = flatLayout([{ name: 'w', shape: [2, 2], decays: true }, { name: 'b', shape: [2], decays: false }]);
const dataOf = (sums: Record<string, HostTensor>, name: string) => sums[name]?.data as Float32Array;

describe('GradientSums', () => {
  it('alternates two written sets after a zero start, and starts from zeros again on reset', () => {
    const sums = new GradientSums(layout, 'float32');
    const zeros = dataOf(sums.feeds(), 'grad.sum.flat.decay');
    const seen: Float32Array[] = [];
    for (let microStep = 0; microStep < 3; microStep++) {
      const target = dataOf(sums.outputs(), 'new.grad.sum.flat.decay');
      expect(target).not.toBe(dataOf(sums.feeds(), 'grad.sum.flat.decay'));
      target.fill(microStep + 1);
      sums.advance();
      seen.push(dataOf(sums.feeds(), 'grad.sum.flat.decay'));
    }
    expect(seen[0]).toBe(seen[2]);
    expect(seen[1]).not.toBe(seen[0]);
    expect(Array.from(dataOf(sums.feeds(), 'grad.sum.flat.decay'))).toEqual([3, 3, 3, 3]);
    sums.reset();
    expect(dataOf(sums.feeds(), 'grad.sum.flat.decay')).toBe(zeros);
    expect(Array.from(zeros)).toEqual([0, 0, 0, 0]);
    expect(dataOf(sums.feeds(), 'grad.sum.flat.plain')).toHaveLength(2);
  });
});
