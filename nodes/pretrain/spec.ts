// The pretrain node: trains a GPT-2 style model from scratch on token shards.
import { z } from 'zod';
import { GPT2_VOCAB_SIZE, gpt2Sizing, type Gpt2Shape } from '../../app/models/gpt2-sizing.ts';
import { trainingMemoryEstimate } from '../../app/models/model-sizing.ts';
import { defineNodeSpec, type NodeFact, type NodeFactsContext } from '../../app/nodes/spec.ts';
import { formatBytes, formatCount } from '../../app/text/format-quantity.ts';
import { architectureFields, biasField, checkArchitecture, checkSchedule, dropoutField, trainingFields } from '../shared/fields.ts';
import { tokenizerSpec, tokenizerVocabulary } from '../tokenizer/spec.ts';
import { checkRunner, runnerFacts, runnerFields } from '../shared/runner-fields.ts';

export const pretrainConfig = z.strictObject({
  architecture: z.enum(['gpt2']).default('gpt2').describe('Model family; GPT-2 exactly as Hugging Face defines it.'),
  ...architectureFields({ nLayer: 4, nHead: 4, nEmbd: 128 }),
  blockSize: z.number().int().min(2).max(32_768).default(64).describe('Context length in tokens.'),
  dropout: dropoutField.describe('Dropout probability during training.'),
  bias: biasField.describe('Use biases in linear layers and LayerNorms.'),
  ...trainingFields,
  ...runnerFields,
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
  checkConfig: (config) => [...checkArchitecture(config), ...checkSchedule(config), ...checkRunner(config)],
  facts: pretrainFacts,
});

/** Parameter count, tokens per step and training memory; the vocabulary is the connected tokenizer's. */
function pretrainFacts(config: z.output<typeof pretrainConfig>, context: NodeFactsContext): NodeFact[] {
  const tokenizer = context.upstreamConfig('tokens', tokenizerSpec);
  const vocabulary = tokenizer ? tokenizerVocabulary(tokenizer) : { size: GPT2_VOCAB_SIZE, note: `no tokenizer connected; assumes GPT-2's ${GPT2_VOCAB_SIZE.toLocaleString('en-US')} tokens` };
  const { nLayer, nHead, nEmbd, blockSize, bias, batchSize, gradAccumSteps } = config;
  const shape: Gpt2Shape = { vocabSize: vocabulary.size, blockSize, nLayer, nHead, nEmbd, bias };
  const memory = trainingMemoryEstimate(gpt2Sizing, shape, { rows: batchSize, sequenceLength: blockSize });
  return [
    { label: 'Parameters', value: formatCount(gpt2Sizing.parameterCount(shape)), note: vocabulary.note },
    { label: 'Tokens per step', value: formatCount(batchSize * blockSize * gradAccumSteps) },
    {
      label: 'Training memory',
      value: `≈ ${formatBytes(memory.totalBytes)}`,
      note: `${formatBytes(memory.parameterBytes)} weights, gradients and AdamW state + ${formatBytes(memory.activationBytes)} activations (float32, rough)`,
    },
    ...runnerFacts(config),
  ];
}
