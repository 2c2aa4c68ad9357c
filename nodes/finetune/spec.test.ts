// The finetune node's spec: fine-tuning defaults over the shared training fields, LoRA options checked, the model and
// tokens refused when the tokens were not made with the model's tokenizer, and the facts it shows from its config.
import { describe, expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { trainingFields } from '../shared/fields.ts';
import { builtInRegistry } from '../specs.ts';
import { pipelineOf, type EdgeDef } from '../testing/pipeline-of.ts';
import { finetuneConfig, finetuneFacts, finetuneSpec } from './spec.ts';

const CONFIGS: Record<string, Record<string, unknown>> = { dataset: { sources: [{ path: 'a.jsonl' }] }, model: { path: 'gpt2' } };

const pipeline = (nodes: [id: string, type: string][], edges: EdgeDef[]) => pipelineOf('finetune lineage', nodes, edges, (_id, type) => CONFIGS[type]);

const NODES: [string, string][] = [['data', 'dataset'], ['base', 'model'], ['tok', 'tokenizer'], ['tune', 'finetune']];
const EDGES: EdgeDef[] = [['data', 'corpus', 'tok', 'corpus'], ['base', 'model', 'tune', 'model'], ['tok', 'tokens', 'tune', 'tokens']];

describe('finetune config', () => {
  it('defaults to LoRA rank 8 / alpha 16 on attn.c_attn with fine-tuning schedule defaults, over the shared training fields', () => {
    const config = finetuneConfig.parse({});
    expect(config).toMatchObject({ method: 'lora', loraRank: 8, loraAlpha: 16, loraDropout: 0.05, dropout: 0 });
    expect(config.loraTargets).toBeUndefined(); // the family's default, chosen when the model is known
    expect(config).toMatchObject({ learningRate: 2e-4, minLearningRate: 2e-5, maxSteps: 200, warmupSteps: 20, weightDecay: 0, evalInterval: 50, checkpointInterval: 50, batchSize: 4 });
    expect(config.blockSize).toBeUndefined();
    expect(Object.keys(config)).toEqual(expect.arrayContaining(Object.keys(trainingFields)));
    expect(config).toMatchObject({ gradAccumSteps: 1, beta1: 0.9, beta2: 0.99, gradClip: 1, seed: 1337, device: 'auto', threads: 0 });
  });

  it('refuses an unknown LoRA target, an empty target list and a rank of 0', () => {
    expect(finetuneConfig.safeParse({ loraTargets: ['attn.q_proj'] }).success).toBe(false);
    expect(finetuneConfig.safeParse({ loraTargets: [] }).success).toBe(false);
    expect(finetuneConfig.safeParse({ loraRank: 0 }).success).toBe(false);
    expect(finetuneConfig.parse({ method: 'full', loraTargets: ['mlp.c_fc', 'attn.c_proj'] }).method).toBe('full');
  });
});

describe('finetune tokenizer lineage', () => {
  it('accepts tokens encoded with the model node’s tokenizer', () => {
    const graph = pipeline(NODES, [...EDGES, ['base', 'tokenizer', 'tok', 'tokenizer']]);
    expect(validate(graph, builtInRegistry())).toEqual([]);
  });

  it('refuses tokens from a tokenizer node that trains its own, saying which connection fixes it', () => {
    const problems = validate(pipeline(NODES, EDGES), builtInRegistry());
    expect(problems).toEqual([expect.objectContaining({ node: 'tune', code: 'tokenizer_mismatch', message: expect.stringContaining('connect "base"\'s tokenizer output to "tok"\'s tokenizer input') })]);
  });

  it('declares both inputs as needing one tokenizer', () => {
    expect(finetuneSpec.sameTokenizer).toEqual(['model', 'tokens']);
  });
});

describe('finetune facts', () => {
  it('names the method, what trains and the tokens per step', () => {
    const lora = finetuneFacts(finetuneConfig.parse({ loraRank: 8, loraAlpha: 16, loraTargets: ['attn.c_attn', 'mlp.c_fc'], blockSize: 256, batchSize: 4 }));
    expect(lora.map((fact) => [fact.label, fact.value])).toEqual([
      ['Method', 'LoRA rank 8 on attn.c_attn, mlp.c_fc'],
      ['Trainable', '4 adapter matrices per block'],
      ['Tokens per step', '1.0K'],
    ]);
    expect(lora[0]?.note).toBe('scale alpha / r = 2; base weights frozen');
    const full = finetuneFacts(finetuneConfig.parse({ method: 'full' }));
    expect(full.map((fact) => fact.value)).toEqual(['Full fine-tuning', 'All parameters', '4 × context']);
  });
});
