// The evaluate node: measures a model on held-out tokens and samples generations from it.
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { batchSizeField, deviceField, seedField, temperatureField, topKField } from '../shared/fields.ts';

export const evaluateConfig = z.strictObject({
  evalBatches: z.number().int().min(1).max(100_000).default(20).describe('Validation batches averaged for the loss.'),
  batchSize: batchSizeField.describe('Sequences per batch.'),
  samples: z.number().int().min(0).max(100).default(2).describe('Generations to sample.'),
  maxNewTokens: z.number().int().min(1).max(100_000).default(200).describe('Tokens per generation.'),
  prompt: z.string().max(100_000).default('\n').describe('Text each generation starts from.'),
  temperature: temperatureField.describe('Sampling temperature; 0 is greedy.'),
  topK: topKField.describe('Sample among the k most likely tokens; 0 means all.'),
  multipleChoice: z
    .string()
    .max(4_096)
    .default('')
    .describe('Optional multiple-choice suite: a JSONL file (relative to the pipeline’s folder), one question per line — {"context", "choices", "label"}, HellaSwag’s {"ctx", "endings", "label"} or ARC’s {"question", "choices": {"text", "label"}, "answerKey"}. Each choice is scored by log-likelihood; the report gives accuracy. Empty: none.'),
  seed: seedField,
  device: deviceField,
});

export const evaluateSpec = defineNodeSpec({
  type: 'evaluate',
  title: 'Evaluate',
  category: 'Evaluation',
  icon: 'gauge',
  summary: 'Validation loss, perplexity, bits per character, sample generations, and an optional multiple-choice accuracy.',
  docs: 'Reports val loss, perplexity and bits per character or byte on the validation shard, plus sampled generations. Windows span the model context, or the whole validation split when it is shorter; chat tokens are scored on the assistant’s tokens only (their loss mask), as fine-tuning trains them. With a multiple-choice suite (HellaSwag/ARC-style JSONL), each choice is appended to its context and scored by summed log-likelihood, as lm-evaluation-harness does; accuracy counts the questions whose right choice scored highest, and length-normalised accuracy divides each sum by the choice’s characters.',
  version: 1,
  inputs: [
    { name: 'model', type: 'Model', title: 'Model', description: 'The model to evaluate.' },
    { name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Token shards with a validation split.' },
  ],
  outputs: [{ name: 'report', type: 'Report', title: 'Report', description: 'Metrics and samples as JSON and Markdown.' }],
  // Token ids mean something only to the model whose tokenizer made them: a loss over foreign ids measures nothing.
  sameTokenizer: ['model', 'tokens'],
  config: evaluateConfig,
  pathFields: ['multipleChoice'],
});
