// The pretrain node: trains a GPT-2 style model from scratch on token shards.
import { z } from 'zod';
import { defineNodeSpec } from '../../app/nodes/spec.ts';
import { architectureFields, checkArchitecture, checkSchedule, trainingFields } from '../shared/fields.ts';

export const pretrainConfig = z.strictObject({
  architecture: z.enum(['gpt2']).default('gpt2').describe('Model family; GPT-2 exactly as Hugging Face defines it.'),
  ...architectureFields({ nLayer: 4, nHead: 4, nEmbd: 128 }),
  blockSize: z.number().int().min(2).max(32_768).default(64).describe('Context length in tokens.'),
  dropout: z.number().min(0).max(0.9).default(0).describe('Dropout probability during training.'),
  bias: z.boolean().default(true).describe('Use biases in linear layers and LayerNorms.'),
  ...trainingFields,
});

export const pretrainSpec = defineNodeSpec({
  type: 'pretrain',
  title: 'Pretrain',
  category: 'Training',
  icon: 'flame',
  summary: 'Train a GPT-2 style language model from scratch.',
  docs: 'Builds each training step (forward, backward, AdamW) as an ONNX graph and runs it on the GPU or CPU. Writes a Hugging Face style model folder with an ONNX decoder.',
  version: 1,
  inputs: [{ name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Train and val token shards.' }],
  outputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'A Hugging Face style model folder.' }],
  config: pretrainConfig,
  checkConfig: (config) => [...checkArchitecture(config), ...checkSchedule(config)],
});
