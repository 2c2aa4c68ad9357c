import { describe, expect, it } from 'vitest';
import { llamaConfig } from './config.ts';

describe('llamaConfig', () => {
  it('fills in the defaults: MHA, headDim C/H, SwiGLU width 8/3·C rounded up to 32, tied, no biases', () => {
    const config = llamaConfig({ vocabSize: 65, nLayer: 2, nHead: 6, nEmbd: 384, blockSize: 64 });
    expect(config).toEqual({
      architecture: 'llama', vocabSize: 65, nLayer: 2, nHead: 6, nKvHead: 6, nEmbd: 384, headDim: 64, intermediateSize: 1024,
      blockSize: 64, ropeTheta: 10000, rmsNormEps: 1e-5, tieEmbeddings: true, attentionBias: false, mlpBias: false, dropout: 0,
    });
    expect(llamaConfig({ vocabSize: 49152, nLayer: 30, nHead: 9, nKvHead: 3, nEmbd: 576, blockSize: 8192 }).intermediateSize).toBe(1536);
  });

  it('keeps explicit fields and ignores explicit undefined', () => {
    const config = llamaConfig({ vocabSize: 10, nLayer: 1, nHead: 4, nKvHead: 2, nEmbd: 16, headDim: 8, intermediateSize: 40, blockSize: 8, ropeTheta: 500000, tieEmbeddings: false, dropout: undefined });
    expect([config.nKvHead, config.headDim, config.intermediateSize, config.ropeTheta, config.tieEmbeddings, config.dropout]).toEqual([2, 8, 40, 500000, false, 0]);
  });

  it('refuses shapes the model cannot build, naming the field', () => {
    const base = { vocabSize: 10, nLayer: 1, nHead: 4, nEmbd: 16, blockSize: 8 };
    expect(() => llamaConfig({ ...base, nKvHead: 3 })).toThrow(/nHead \(4\) must be a multiple of nKvHead \(3\)/);
    expect(() => llamaConfig({ ...base, nEmbd: 18 })).toThrow(/headDim \(4.5\) must be a positive integer.*divisible by nHead/);
    expect(() => llamaConfig({ ...base, headDim: 3 })).toThrow(/headDim \(3\) must be even/);
    expect(() => llamaConfig({ ...base, nLayer: 0 })).toThrow(/nLayer \(0\)/);
    expect(() => llamaConfig({ ...base, ropeTheta: 0 })).toThrow(/ropeTheta/);
    expect(() => llamaConfig({ ...base, dropout: 1 })).toThrow(/dropout \(1\)/);
    expect(() => llamaConfig({ ...base, architecture: 'gpt2' as 'llama' })).toThrow(/architecture is "gpt2"/);
  });
});

describe('Llama parameter count', () => {
  it("equals the studio's sizing (app/models/llama-sizing.ts) with GQA, biases, tied and untied heads", async () => {
    const { llamaSizing } = await import('../../../app/models/llama-sizing.ts');
    const { llamaParameterCount } = await import('./parameters.ts');
    const shapes = [
      { vocabSize: 65, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, blockSize: 16, intermediateSize: 48 },
      { vocabSize: 49152, nLayer: 30, nHead: 9, nKvHead: 3, nEmbd: 576, blockSize: 8192 },
      { vocabSize: 7, nLayer: 1, nHead: 2, nEmbd: 4, headDim: 6, blockSize: 3, attentionBias: true, mlpBias: true, tieEmbeddings: false },
    ];
    for (const shape of shapes) {
      const config = llamaConfig(shape);
      expect([shape, llamaSizing.parameterCount(config)]).toEqual([shape, llamaParameterCount(config)]);
    }
    // SmolLM2-135M: 134,515,008 parameters as Hugging Face reports them.
    expect(llamaParameterCount(llamaConfig(shapes[1] as (typeof shapes)[1]))).toBe(134_515_008);
  });
});
