// GPT-2's size: the parameter count of GPT-2 small as nanoGPT and Hugging Face report it, and the activation
// estimate the engine's memory planner was calibrated with.
import { describe, expect, it } from 'vitest';
import { gpt2Sizing, type Gpt2Shape } from './gpt2-sizing.ts';
import { trainingMemoryEstimate } from './model-sizing.ts';

const gpt2Small: Gpt2Shape = { vocabSize: 50_257, blockSize: 1024, nLayer: 12, nHead: 12, nEmbd: 768, bias: true };

describe('gpt2Sizing.parameterCount', () => {
  it('counts GPT-2 small as 124,439,808 (123.65M without position embeddings, as nanoGPT prints)', () => {
    expect(gpt2Sizing.parameterCount(gpt2Small)).toBe(124_439_808);
    expect(gpt2Sizing.parameterCount(gpt2Small) - 1024 * 768).toBe(123_653_376);
  });

  it('drops biases and LayerNorm biases without bias', () => {
    const C = 768;
    const without = gpt2Sizing.parameterCount({ ...gpt2Small, bias: false });
    expect(gpt2Sizing.parameterCount(gpt2Small) - without).toBe(12 * (9 * C + 2 * C) + C);
  });
});

describe('gpt2Sizing.activationBytesPerToken', () => {
  it('estimates 108 MiB per sequence for the model the engine measured at ~104 MiB', () => {
    const measured: Gpt2Shape = { vocabSize: 65, blockSize: 256, nLayer: 6, nHead: 6, nEmbd: 384, bias: true };
    const perSequence = 256 * gpt2Sizing.activationBytesPerToken(measured, 256);
    expect(Math.round(perSequence / 2 ** 20)).toBe(108);
  });

  it('counts 16·C + 8·H·T float32 values per layer and 4·V for the logits', () => {
    const shape: Gpt2Shape = { vocabSize: 100, blockSize: 8, nLayer: 2, nHead: 3, nEmbd: 12, bias: true };
    expect(gpt2Sizing.activationBytesPerToken(shape, 8)).toBe(4 * (2 * (16 * 12 + 8 * 3 * 8) + 4 * 100));
  });
});

describe('trainingMemoryEstimate', () => {
  it('keeps four float32 copies of the weights and scales activations with the rows of a batch', () => {
    const one = trainingMemoryEstimate(gpt2Sizing, gpt2Small, { rows: 1, sequenceLength: 1024 });
    const four = trainingMemoryEstimate(gpt2Sizing, gpt2Small, { rows: 4, sequenceLength: 1024 });
    expect(one.parameterBytes).toBe(gpt2Sizing.parameterCount(gpt2Small) * 16);
    expect(four.parameterBytes).toBe(one.parameterBytes);
    expect(four.activationBytes).toBe(4 * one.activationBytes);
    expect(four.totalBytes).toBe(four.parameterBytes + four.activationBytes);
  });
});
