// Checks in-graph clipping + AdamW against a plain-JS transcription of torch's clip_grad_norm_ and
// AdamW over three steps, including decay only on the 2-D parameter.

import { describe, expect, it } from 'vitest';
import { Graph } from '../graph/graph.ts';
import type { Value } from '../graph/value.ts';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom } from '../tensor/random.ts';
import { adamWStepScalars, adamWUpdate, type AdamWHyperparameters } from './adamw.ts';
import { clipByGlobalNorm, clipCoefficient } from './clip-grad-norm.ts';

const HYPER: AdamWHyperparameters = { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 };
const MAX_NORM = 1;
const SHAPES = { weight: [2, 3], bias: [3] } as const;

interface Slot {
  p: number[];
  m: number[];
  v: number[];
}

function referenceStep(slots: Record<string, Slot>, gradients: Record<string, number[]>, lr: number, t: number): number {
  const norm = Math.sqrt(Object.values(gradients).flat().reduce((sum, g) => sum + g * g, 0));
  const scale = Math.min(1, MAX_NORM / (norm + 1e-6));
  for (const [name, slot] of Object.entries(slots)) {
    const decays = name === 'weight';
    const stepSize = lr / (1 - HYPER.beta1 ** t);
    const correction2 = Math.sqrt(1 - HYPER.beta2 ** t);
    slot.p.forEach((p, i) => {
      const g = (gradients[name]?.[i] as number) * scale;
      const decayed = decays ? p * (1 - lr * HYPER.weightDecay) : p;
      slot.m[i] = HYPER.beta1 * (slot.m[i] as number) + (1 - HYPER.beta1) * g;
      slot.v[i] = HYPER.beta2 * (slot.v[i] as number) + (1 - HYPER.beta2) * g * g;
      slot.p[i] = decayed - (stepSize * (slot.m[i] as number)) / (Math.sqrt(slot.v[i] as number) / correction2 + HYPER.epsilon);
    });
  }
  return norm;
}

/** `folded`: the clip scale and the squared gradient go to adamWUpdate as prepared work, as the fused step does. */
function buildUpdateGraph(folded: boolean): Uint8Array {
  const g = new Graph({ name: 'adamw' });
  const lr = g.input('lr', 'float64', []);
  const step = g.input('step', 'float64', []);
  const scalars = adamWStepScalars(lr, step, HYPER);
  const names = Object.keys(SHAPES) as (keyof typeof SHAPES)[];
  const gradients = names.map((name) => g.input(`grad.${name}`, 'float64', SHAPES[name]));
  const clipped = clipByGlobalNorm(gradients, MAX_NORM);
  const clip = clipCoefficient(gradients, MAX_NORM);
  g.output(folded ? clip.totalNorm : clipped.totalNorm, 'norm');
  names.forEach((name, index) => {
    const state = { parameter: g.input(name, 'float64', SHAPES[name]), firstMoment: g.input(`m.${name}`, 'float64', SHAPES[name]), secondMoment: g.input(`v.${name}`, 'float64', SHAPES[name]) };
    const decays = SHAPES[name].length >= 2;
    const next = folded
      ? adamWUpdate(state, gradients[index] as Value, decays, scalars, { scale: clip.coefficient, squared: clip.squaredGradients[index] as Value })
      : adamWUpdate(state, clipped.gradients[index] as Value, decays, scalars);
    g.output(next.parameter, `new.${name}`);
    g.output(next.firstMoment, `new.m.${name}`);
    g.output(next.secondMoment, `new.v.${name}`);
  });
  return g.toBytes();
}

describe('clipByGlobalNorm + adamWUpdate', () => {
  it.each([false, true])('match torch-style AdamW with clipping over three steps (clip scale folded: %s)', async (folded) => {
    const random = createRandom(12);
    const session = await createModelSession(buildUpdateGraph(folded));
    const slots: Record<string, Slot> = {};
    const feeds: Record<string, HostTensor> = {};
    for (const [name, shape] of Object.entries(SHAPES)) {
      const size = shape.reduce((a: number, b: number) => a * b, 1);
      slots[name] = { p: Array.from({ length: size }, random.normal), m: new Array(size).fill(0), v: new Array(size).fill(0) };
    }
    for (const [t, lr, gradientScale] of [[1, 0.1, 3], [2, 0.05, 0.01], [3, 0.02, 1]] as const) {
      const gradients = Object.fromEntries(Object.entries(slots).map(([name, slot]) => [name, slot.p.map(() => gradientScale * random.normal())]));
      for (const [name, shape] of Object.entries(SHAPES)) {
        const slot = slots[name] as Slot;
        Object.assign(feeds, {
          [name]: hostTensor('float64', shape, slot.p),
          [`m.${name}`]: hostTensor('float64', shape, slot.m),
          [`v.${name}`]: hostTensor('float64', shape, slot.v),
          [`grad.${name}`]: hostTensor('float64', shape, gradients[name] as number[]),
        });
      }
      const results = await session.run({ ...feeds, lr: hostTensor('float64', [], [lr]), step: hostTensor('float64', [], [t]) });
      const expectedNorm = referenceStep(slots, gradients, lr, t);
      expect(numbersOf(results.norm as HostTensor)[0]).toBeCloseTo(expectedNorm, 12);
      for (const [name, slot] of Object.entries(slots)) {
        numbersOf(results[`new.${name}`] as HostTensor).forEach((value, i) => expect(value).toBeCloseTo(slot.p[i] as number, 12));
        numbersOf(results[`new.v.${name}`] as HostTensor).forEach((value, i) => expect(value).toBeCloseTo(slot.v[i] as number, 12));
      }
    }
  });
});
