// The pretrain node: trains a GPT-2 or Llama model from scratch on token shards.
import { z } from 'zod';
import { GPT2_VOCAB_SIZE, gpt2Sizing, type Gpt2Shape } from '../../app/models/gpt2-sizing.ts';
import { LLAMA_DEFAULTS, llamaDerivedDefaults } from '../../app/models/llama-defaults.ts';
import { llamaSizing, type LlamaShape } from '../../app/models/llama-sizing.ts';
import { trainingMemoryEstimate, type TrainingMemoryEstimate } from '../../app/models/model-sizing.ts';
import { defineNodeSpec, type MemoryEstimate, type NodeFact, type NodeFactsContext } from '../../app/nodes/spec.ts';
import { formatBytes, formatCount } from '../../app/text/format-quantity.ts';
import { architectureFields, biasField, CACHE_NEUTRAL_TRAINING_FIELDS, checkArchitecture, checkSchedule, dropoutField, trainingFields } from '../shared/fields.ts';
import { tokenizerSpec, tokenizerVocabulary } from '../tokenizer/spec.ts';
import { checkRunner, runnerFacts, runnerFields } from '../shared/runner-fields.ts';

/** The inspector shows a family's own fields only while that family is chosen (renderer/src/form/schema-fields.ts). */
const onlyFor = (architecture: 'gpt2' | 'llama') => ({ onlyWhen: { architecture: [architecture] } });

export const pretrainConfig = z.strictObject({
  architecture: z
    .enum(['gpt2', 'llama'])
    .default('gpt2')
    .describe('Model family, exactly as Hugging Face defines it: GPT-2 (learned positions, LayerNorm, GELU), or Llama (rotary positions, RMSNorm, SwiGLU, grouped-query attention).'),
  ...architectureFields({ nLayer: 4, nHead: 4, nEmbd: 128 }),
  blockSize: z.number().int().min(2).max(32_768).default(64).describe('Context length in tokens.'),
  dropout: dropoutField.describe('Dropout probability during training (Llama: on the attention probabilities only).'),
  bias: biasField.describe('Use biases in linear layers and LayerNorms.').meta(onlyFor('gpt2')),
  nKvHead: z.number().int().min(1).max(128).optional().describe('Key/value heads (grouped-query attention); must divide nHead. Empty: nHead (plain multi-head attention).').meta(onlyFor('llama')),
  intermediateSize: z.number().int().min(1).max(131_072).optional().describe('Width of the SwiGLU MLP. Empty: 8/3 of nEmbd, rounded up to a multiple of 32.').meta(onlyFor('llama')),
  ropeTheta: z.number().positive().max(1e9).default(LLAMA_DEFAULTS.ropeTheta).describe('Base of the rotary position embeddings (rope_theta).').meta(onlyFor('llama')),
  tieEmbeddings: z.boolean().default(LLAMA_DEFAULTS.tieEmbeddings).describe('The output head shares the token embedding (tie_word_embeddings).').meta(onlyFor('llama')),
  ...trainingFields,
  ...runnerFields,
});

export const pretrainSpec = defineNodeSpec({
  type: 'pretrain',
  title: 'Pretrain',
  category: 'Training',
  icon: 'flame',
  summary: 'Train a GPT-2 or Llama language model from scratch.',
  docs: 'Builds each training step (forward, backward, AdamW) as an ONNX graph and runs it on the GPU or CPU. Writes a Hugging Face style model folder (GPT2LMHeadModel or LlamaForCausalLM) with an ONNX decoder. `runner: torch` hands the same job (model, seed, data order, schedule) to PyTorch: one DistributedDataParallel rank per GPU (or nprocPerNode on the CPU), or a Slurm/Kubernetes cluster through `crucible launch`; the result is the same model folder.',
  version: 1,
  cacheNeutralFields: CACHE_NEUTRAL_TRAINING_FIELDS,
  inputs: [{ name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Train and val token shards.' }],
  outputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'A Hugging Face style model folder.' }],
  config: pretrainConfig,
  checkConfig: (config) => [...checkArchitecture(config), ...checkLlama(config), ...checkSchedule(config), ...checkRunner(config)],
  facts: pretrainFacts,
  memoryEstimate: pretrainMemory,
});

/** Weights, gradients and AdamW state, and activations, in this machine's memory; none when the run is on a GPU or in torch. */
function pretrainMemory(config: z.output<typeof pretrainConfig>, context: NodeFactsContext): MemoryEstimate | undefined {
  if (config.runner === 'torch' || (config.device !== 'cpu' && config.device !== 'auto')) return undefined;
  const { memory } = sizeOf(config, vocabularyOf(context).size);
  return { fixedBytes: memory.parameterBytes, activationBytes: memory.activationBytes };
}

function vocabularyOf(context: NodeFactsContext): { size: number; note?: string } {
  const tokenizer = context.upstreamConfig('tokens', tokenizerSpec);
  return tokenizer ? tokenizerVocabulary(tokenizer) : { size: GPT2_VOCAB_SIZE, note: `no tokenizer connected; assumes GPT-2's ${GPT2_VOCAB_SIZE.toLocaleString('en-US')} tokens` };
}

/** Parameter count, tokens per step and training memory; the vocabulary is the connected tokenizer's. */
function pretrainFacts(config: z.output<typeof pretrainConfig>, context: NodeFactsContext): NodeFact[] {
  const vocabulary = vocabularyOf(context);
  const { blockSize, batchSize, gradAccumSteps } = config;
  const { parameters, memory } = sizeOf(config, vocabulary.size);
  return [
    { label: 'Parameters', value: formatCount(parameters), note: vocabulary.note },
    { label: 'Tokens per step', value: formatCount(batchSize * blockSize * gradAccumSteps) },
    {
      label: 'Training memory',
      value: `≈ ${formatBytes(memory.totalBytes)}`,
      note: `${formatBytes(memory.parameterBytes)} weights, gradients and AdamW state + ${formatBytes(memory.activationBytes)} activations (float32, rough)`,
    },
    ...runnerFacts(config),
  ];
}

type PretrainSettings = z.output<typeof pretrainConfig>;

/** Parameters and training memory from the family's sizing (app/models), Llama's defaults filled in as the engine fills them. */
function sizeOf(config: PretrainSettings, vocabSize: number): { parameters: number; memory: TrainingMemoryEstimate } {
  const { nLayer, nHead, nEmbd, blockSize, batchSize } = config;
  const batch = { rows: batchSize, sequenceLength: blockSize };
  if (config.architecture === 'llama') {
    const defaults = llamaDerivedDefaults({ nHead, nEmbd });
    const shape: LlamaShape = {
      vocabSize, nLayer, nHead, nEmbd, headDim: defaults.headDim,
      nKvHead: config.nKvHead ?? defaults.nKvHead,
      intermediateSize: config.intermediateSize ?? defaults.intermediateSize,
      tieEmbeddings: config.tieEmbeddings,
      attentionBias: LLAMA_DEFAULTS.attentionBias,
      mlpBias: LLAMA_DEFAULTS.mlpBias,
    };
    return { parameters: llamaSizing.parameterCount(shape), memory: trainingMemoryEstimate(llamaSizing, shape, batch) };
  }
  const shape: Gpt2Shape = { vocabSize, blockSize, nLayer, nHead, nEmbd, bias: config.bias };
  return { parameters: gpt2Sizing.parameterCount(shape), memory: trainingMemoryEstimate(gpt2Sizing, shape, batch) };
}

/** Llama's key/value heads must split the query heads evenly, and its head size must be even for rotary embeddings. */
function checkLlama(config: PretrainSettings) {
  if (config.architecture !== 'llama') return [];
  const problems: { field: string; message: string }[] = [];
  const headDim = config.nEmbd / config.nHead;
  if (Number.isInteger(headDim) && headDim % 2 !== 0) {
    problems.push({ field: 'nEmbd', message: `${config.nEmbd} over ${config.nHead} heads gives a head size of ${headDim}; a Llama's must be even (rotary embeddings turn pairs of channels): pick nEmbd a multiple of ${2 * config.nHead}` });
  }
  if (config.nKvHead !== undefined && config.nHead % config.nKvHead !== 0) {
    problems.push({ field: 'nKvHead', message: `${config.nKvHead} must divide nHead (${config.nHead}): each key/value head serves the same number of query heads` });
  }
  return problems;
}
