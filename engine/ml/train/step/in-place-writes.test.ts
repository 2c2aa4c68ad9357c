// In-place state writes: a write is allowed only when every reader of the buffer runs first (checked on small graphs
// both ways), and the real step graphs (fused, apply, LoRA) qualify when they clip, so the step keeps one
// set of parameters and moments. That the results do not change is step-session.test.ts's and parity/'s business.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../../gpt2/config.ts';
import { Graph } from '../../graph/graph.ts';
import * as op from '../../graph/ops/index.ts';
import { loraAdapterNames, loraFamily, type LoraOptions } from '../../lora/index.ts';
import { gpt2Family } from '../gpt2-family.ts';
import { updatesStateInPlace, writesInPlaceSafely } from './in-place-writes.ts';
import { buildStepGraphs, type StepGraphOptions } from './step-graphs.ts';

describe('writesInPlaceSafely', () => {
  const graphWith = (lateReader: boolean) => {
    const graph = new Graph({ name: 'in-place' });
    const state = graph.input('p', 'float32', [4]);
    const view = graph.input('p.view', 'float32', [2]);
    const x = graph.input('x', 'float32', [4]);
    const read = op.mul(state, x);
    graph.output(op.sub(state, read), 'new.p');
    if (lateReader) graph.output(op.add(view, view), 'late');
    return graph;
  };

  it('allows a write whose producer comes after every reader of the buffer, under each of its names', () => {
    expect(writesInPlaceSafely(graphWith(false), [{ output: 'new.p', readers: ['p', 'p.view'] }])).toBe(true);
  });

  it('refuses when a reader of the buffer may run after the write, or the output does not exist', () => {
    expect(writesInPlaceSafely(graphWith(true), [{ output: 'new.p', readers: ['p', 'p.view'] }])).toBe(false);
    expect(writesInPlaceSafely(graphWith(true), [{ output: 'new.p', readers: ['p'] }])).toBe(true);
    expect(writesInPlaceSafely(graphWith(false), [{ output: 'new.q', readers: ['p'] }])).toBe(false);
  });
});

describe('updatesStateInPlace', () => {
  const config = gpt2Config({ vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 8, blockSize: 4, dropout: 0.1 });
  const options: StepGraphOptions = { batch: 2, time: 4, microBatches: 1, dtype: 'float32', optimizer: { beta1: 0.9, beta2: 0.95, epsilon: 1e-8, weightDecay: 0.1 }, gradClip: 1 };
  const lora: LoraOptions = { rank: 2, alpha: 4, dropout: 0, targets: ['attn.c_attn', 'mlp.c_proj'] };

  it("holds for GPT-2's fused and apply graphs and LoRA's when clipping ties every update to every gradient", () => {
    expect(updatesStateInPlace(buildStepGraphs(gpt2Family(config), options))).toBe(true);
    expect(updatesStateInPlace(buildStepGraphs(gpt2Family(config), { ...options, microBatches: 2 }))).toBe(true);
    expect(updatesStateInPlace(buildStepGraphs(loraFamily(config, lora), { ...options, trainable: loraAdapterNames(config, lora) }))).toBe(true);
  });

  it('falls back to the spare set for a fused step without clipping, whose plain group may update before the last read of a weight', () => {
    expect(updatesStateInPlace(buildStepGraphs(gpt2Family(config), { ...options, gradClip: 0 }))).toBe(false);
    expect(updatesStateInPlace(buildStepGraphs(gpt2Family(config), { ...options, gradClip: 0, microBatches: 2 }))).toBe(true);
  });
});
