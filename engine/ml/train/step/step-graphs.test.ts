// The step builder's shapes of work: one fused graph for one micro-batch; for several, a micro-step graph that only
// reads parameters and adds into the flat gradient sums, and an apply graph that only updates; clear option errors.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import { gpt2Family } from '../gpt2-family.ts';
import { buildStepGraphs, type StepGraphOptions } from './step-graphs.ts';

const family = gpt2Family(gpt2Config({ vocabSize: 7, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 4, dropout: 0.1 }));
const options: StepGraphOptions = { batch: 2, time: 4, microBatches: 1, dtype: 'float32', optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 }, gradClip: 1 };
const STATE = ['flat.decay', 'adam.m.flat.decay', 'adam.v.flat.decay', 'flat.plain', 'adam.m.flat.plain', 'adam.v.flat.plain'];
const SUMS = ['grad.sum.flat.decay', 'grad.sum.flat.plain'];
const namesOf = (values: readonly { name: string }[]) => values.map((value) => value.name);

describe('buildStepGraphs', () => {
  it('builds one fused graph for one micro-batch: state in, next state, loss and norm out', () => {
    const graphs = buildStepGraphs(family, options);
    if (graphs.kind !== 'fused') throw new Error(`expected the fused step, got ${graphs.kind}`);
    expect(graphs.step.name).toBe('gpt2-train-step');
    expect(namesOf(graphs.step.inputs)).toEqual(expect.arrayContaining([...STATE, 'tokens', 'targets', 'dropout.embd', 'lr', 'step', 'transformer.wte.weight']));
    expect(namesOf(graphs.step.outputs)).toEqual([...STATE.map((name) => `new.${name}`), 'loss', 'gradNorm']);
  });

  it('splits k micro-batches into a micro-step that sums flat gradients and an apply step that updates', () => {
    const graphs = buildStepGraphs(family, { ...options, microBatches: 3 });
    if (graphs.kind !== 'accumulating') throw new Error(`expected the accumulating step, got ${graphs.kind}`);
    const microInputs = namesOf(graphs.microStep.inputs);
    expect(microInputs).toEqual(expect.arrayContaining([...SUMS, 'tokens', 'targets', 'dropout.embd', 'transformer.wte.weight']));
    expect(microInputs.filter((name) => STATE.includes(name) || name === 'lr')).toEqual([]);
    expect(namesOf(graphs.microStep.outputs)).toEqual([...SUMS.map((name) => `new.${name}`), 'loss']);
    expect(namesOf(graphs.apply.inputs).sort()).toEqual([...STATE, ...SUMS, 'lr', 'step'].sort());
    expect(namesOf(graphs.apply.outputs)).toEqual([...STATE.map((name) => `new.${name}`), 'gradNorm']);
    expect(graphs.apply.nodes.map((node) => node.opType)).not.toContain('MatMul');
  });

  it('names what is wrong with the options', () => {
    expect(() => buildStepGraphs(family, { ...options, microBatches: 0 })).toThrow(/gpt2 train step: microBatches \(0\) must be a whole number of at least 1/);
    expect(() => buildStepGraphs(family, { ...options, time: 5 })).toThrow(/sequence length T \(5\) exceeds the context length \(4\)/);
    expect(() => buildStepGraphs(family, { ...options, microBatches: 2, exposeGradients: true })).toThrow(/exposeGradients needs a single micro-batch, got 2/);
  });
});
