// The pretrain node's facts: the GPT-2 parameter count with the connected tokenizer's vocabulary, tokens per step
// and the training memory estimate, saying what they assumed.
import { describe, expect, it } from 'vitest';
import type { z } from 'zod';
import { gpt2Sizing } from '../../app/models/gpt2-sizing.ts';
import { trainingMemoryEstimate } from '../../app/models/model-sizing.ts';
import type { NodeFactsContext } from '../../app/nodes/spec.ts';
import { formatBytes } from '../../app/text/format-quantity.ts';
import { tokenizerConfig } from '../tokenizer/spec.ts';
import { checkMemoryFit } from '../../app/graph/memory-fit.ts';
import { parseNodeConfig } from '../../app/nodes/config.ts';
import { pipelineSchema } from '../../app/pipeline/schema.ts';
import { builtInRegistry } from '../specs.ts';
import { pretrainConfig, pretrainSpec } from './spec.ts';

function feeding(tokenizer: z.input<typeof tokenizerConfig> | undefined): NodeFactsContext {
  return { upstreamConfig: (port, spec) => (port === 'tokens' && tokenizer && spec.type === 'tokenizer' ? spec.config.parse(tokenizer) : undefined) };
}

const config = pretrainConfig.parse({ batchSize: 8, gradAccumSteps: 4 });

describe('pretrain facts', () => {
  it('counts parameters with a BPE tokenizer’s vocabulary and tokens per optimizer step', () => {
    const facts = pretrainSpec.facts!(config, feeding({ kind: 'bpe', vocabSize: 1000 }));
    expect(facts.map((fact) => [fact.label, fact.value])).toEqual([
      ['Parameters', '929.5K'],
      ['Tokens per step', '2.0K'],
      ['Training memory', expect.stringMatching(/^≈ /)],
    ]);
    expect(facts[0]!.note).toBeUndefined();
  });

  it('estimates memory with the same GPT-2 sizing the engine plans micro-batches by', () => {
    const shape = { vocabSize: 1000, blockSize: 64, nLayer: 4, nHead: 4, nEmbd: 128, bias: true };
    const memory = trainingMemoryEstimate(gpt2Sizing, shape, { rows: 8, sequenceLength: 64 });
    const facts = pretrainSpec.facts!(config, feeding({ kind: 'bpe', vocabSize: 1000 }));
    expect(facts[2]).toMatchObject({ value: `≈ ${formatBytes(memory.totalBytes)}`, note: expect.stringContaining(`${formatBytes(memory.activationBytes)} activations`) });
  });

  it('says what vocabulary it assumed for char, pretrained and missing tokenizers', () => {
    const noteWith = (tokenizer: z.input<typeof tokenizerConfig> | undefined) => pretrainSpec.facts!(config, feeding(tokenizer))[0]!.note;
    expect(noteWith({ kind: 'char' })).toMatch(/assumes at most 256/);
    expect(noteWith({ kind: 'pretrained', path: 'tokenizer.json' })).toMatch(/pretrained tokenizer; assumes 50,257 tokens/);
    expect(noteWith(undefined)).toMatch(/no tokenizer connected; assumes GPT-2's 50,257 tokens/);
  });

  it('sizes a Llama with its defaults as the engine fills them, and checks its key/value heads', () => {
    const llama = pretrainConfig.parse({ architecture: 'llama', nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 64, batchSize: 8 });
    const facts = pretrainSpec.facts!(llama, feeding({ kind: 'bpe', vocabSize: 1000 }));
    // embed 64·1000 + per layer (q 64·64 + k,v 2·64·32 + o 64·64 + SwiGLU 3·64·192 + two norms 128) + final norm 64
    const expected = 64_000 + 2 * (4096 + 4096 + 4096 + 36_864 + 128) + 64;
    expect(facts[0]).toMatchObject({ label: 'Parameters', value: `${(expected / 1000).toFixed(1)}K` });
    expect(pretrainSpec.checkConfig!({ ...llama, nKvHead: 3 })).toEqual([{ field: 'nKvHead', message: expect.stringMatching(/3 must divide nHead \(4\)/) }]);
    expect(pretrainSpec.checkConfig!({ ...llama, nKvHead: 3, architecture: 'gpt2' })).toEqual([]);
    // A head size of 3 (12 over 4 heads) cannot be rotated in pairs: refused at validation, not when the trainer starts.
    expect(pretrainSpec.checkConfig!({ ...llama, nEmbd: 12 })).toEqual([{ field: 'nEmbd', message: expect.stringMatching(/head size of 3; a Llama's must be even .* a multiple of 8/) }]);
    expect(pretrainSpec.checkConfig!({ ...llama, nEmbd: 12, architecture: 'gpt2' })).toEqual([]);
  });
});

describe('pretrain schedule checks', () => {
  it('warns (without refusing the config) when warmup covers the whole run, so the rate never decays', () => {
    const problems = pretrainSpec.checkConfig!(pretrainConfig.parse({ maxSteps: 50, warmupSteps: 100 }));
    expect(problems).toEqual([{ field: 'warmupSteps', code: 'schedule_never_decays', severity: 'warning', message: expect.stringMatching(/100 warmup steps cover the whole run \(maxSteps 50\).*never decays.*Lower warmupSteps \(e\.g\. 5\)/) }]);
    expect(parseNodeConfig(pretrainSpec, { maxSteps: 50, warmupSteps: 100 })).toMatchObject({ ok: true, warnings: [expect.objectContaining({ code: 'schedule_never_decays' })] });
    expect(pretrainSpec.checkConfig!(pretrainConfig.parse({ maxSteps: 101, warmupSteps: 100 }))).toEqual([]);
  });

  it('still refuses a minimum rate above the peak', () => {
    expect(parseNodeConfig(pretrainSpec, { learningRate: 1e-4, minLearningRate: 1e-3 })).toMatchObject({ ok: false, problems: [expect.objectContaining({ field: 'minLearningRate' })] });
  });
});

describe('pretrain memory warning', () => {
  const graph = (config: Record<string, unknown>) =>
    pipelineSchema.parse({
      format: 'crucible.pipeline',
      version: 1,
      name: 'memory',
      nodes: [
        { id: 'data', type: 'dataset', typeVersion: 1, config: { sources: [{ path: 'a.txt' }] } },
        { id: 'tok', type: 'tokenizer', typeVersion: 1, config: { kind: 'char' } },
        { id: 'train', type: 'pretrain', typeVersion: 1, config },
      ],
      edges: [
        { id: 'e1', from: { node: 'data', port: 'corpus' }, to: { node: 'tok', port: 'corpus' } },
        { id: 'e2', from: { node: 'tok', port: 'tokens' }, to: { node: 'train', port: 'tokens' } },
      ],
    });
  const config = { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 128, batchSize: 32, device: 'cpu' };
  const estimate = pretrainSpec.memoryEstimate!(pretrainConfig.parse(config), { upstreamConfig: (_port, spec) => spec.config.parse({ kind: 'char' }) })!;

  it('warns that weights and AdamW state beyond the machine cannot train, naming both sizes', () => {
    const machine = estimate.fixedBytes;
    expect(checkMemoryFit(graph(config), builtInRegistry(), machine)).toEqual([
      { node: 'train', code: 'memory_exceeds_machine', severity: 'warning', message: expect.stringMatching(new RegExp(`^will not fit: it needs about .* and this machine has ${formatBytes(machine)} of memory\\. Make the model smaller`)) },
    ]);
  });

  it('warns that activations beyond the machine split each batch, and is quiet when it fits or runs on a GPU', () => {
    const machine = (estimate.fixedBytes + estimate.activationBytes / 2) / 0.9;
    expect(checkMemoryFit(graph(config), builtInRegistry(), machine)).toEqual([expect.objectContaining({ code: 'memory_exceeds_machine', message: expect.stringContaining('each batch will be split into chunks') })]);
    expect(checkMemoryFit(graph(config), builtInRegistry(), 64 * 2 ** 30)).toEqual([]);
    expect(checkMemoryFit(graph({ ...config, device: 'cuda' }), builtInRegistry(), 1)).toEqual([]);
  });
});
