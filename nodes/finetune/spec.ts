// The finetune node: continues training a model (from the model node, or any Model) on new tokens made with its own
// tokenizer: every weight (full) or low-rank adapters on frozen weights (LoRA), into a merged Model.
import { z } from 'zod';
import { defineNodeSpec, type NodeFact } from '../../app/nodes/spec.ts';
import { formatCount } from '../../app/text/format-quantity.ts';
import { CACHE_NEUTRAL_TRAINING_FIELDS, checkSchedule, dropoutField, trainingFields } from '../shared/fields.ts';
import { checkRunner, runnerFacts, runnerFields } from '../shared/runner-fields.ts';

/**
 * The linear layers a LoRA adapter may sit on, in every block: GPT-2's, then Llama's (engine/ml/lora's LORA_TARGETS,
 * checked equal there). A run refuses targets that are not layers of the model's own family.
 */
export const FINETUNE_LORA_TARGETS = [
  'attn.c_attn', 'attn.c_proj', 'mlp.c_fc', 'mlp.c_proj',
  'self_attn.q_proj', 'self_attn.k_proj', 'self_attn.v_proj', 'self_attn.o_proj', 'mlp.gate_proj', 'mlp.up_proj', 'mlp.down_proj',
] as const;

export const finetuneConfig = z.strictObject({
  method: z.enum(['full', 'lora']).default('lora').describe('lora trains small adapter matrices on frozen weights (little memory, a PEFT adapter too); full continues training every weight.'),
  loraRank: z.number().int().min(1).max(1024).default(8).describe("LoRA's rank r: the adapters' inner size (A is r×in, B is out×r)."),
  loraAlpha: z.number().positive().max(100_000).default(16).describe('LoRA alpha; the adapters’ update is scaled by alpha / rank.'),
  loraDropout: z.number().min(0).max(0.9).default(0.05).describe('Dropout on each adapter’s input while training (PEFT’s lora_dropout).'),
  loraTargets: z.array(z.enum(FINETUNE_LORA_TARGETS)).min(1).max(FINETUNE_LORA_TARGETS.length).optional().describe("The linear layers that get adapters in every block, of the model's family. GPT-2: attention (attn.c_attn, attn.c_proj) and/or MLP (mlp.c_fc, mlp.c_proj). Llama (SmolLM2, …): self_attn.q_proj, k_proj, v_proj, o_proj and/or mlp.gate_proj, up_proj, down_proj. Empty: the family's query and value projections, as PEFT does (GPT-2: attn.c_attn; Llama: self_attn.q_proj and self_attn.v_proj)."),
  blockSize: z.number().int().min(2).max(32_768).optional().describe("Tokens per training window; the model's context when left empty, and never longer."),
  dropout: dropoutField.default(0).describe("Dropout of the model's own layers while it trains (0 is usual for fine-tuning)."),
  ...trainingFields,
  batchSize: trainingFields.batchSize.default(4),
  maxSteps: trainingFields.maxSteps.default(200),
  learningRate: trainingFields.learningRate.default(2e-4),
  minLearningRate: trainingFields.minLearningRate.default(2e-5),
  warmupSteps: trainingFields.warmupSteps.default(20),
  weightDecay: trainingFields.weightDecay.default(0),
  evalInterval: trainingFields.evalInterval.default(50),
  checkpointInterval: trainingFields.checkpointInterval.default(50),
  ...runnerFields,
});

export type FinetuneNodeConfig = z.output<typeof finetuneConfig>;

export const finetuneSpec = defineNodeSpec({
  type: 'finetune',
  title: 'Fine-tune',
  category: 'Training',
  icon: 'flame',
  summary: 'Continue training a pretrained model on your own text or chats, fully or with LoRA adapters.',
  docs:
    'Starts from the model’s weights and trains on tokens made with the model’s own tokenizer (connect the model node’s tokenizer output to the tokenizer node). ' +
    '`full` trains every weight; `lora` trains only adapters A (r×in) and B (out×r) on the chosen layers, scaled by alpha / r, with the base weights frozen. ' +
    'Chat tokens train only the assistant’s tokens (their loss mask). The output is the merged model, which evaluate, quantize, export and deploy use as any model; LoRA also writes the adapter in PEFT’s layout under `adapter/`. ' +
    'Checkpoints, resume after a cancel and progress work as in pretrain. ' +
    '`runner: torch` trains the same way on PyTorch (DDP ranks on this machine, or a cluster through `crucible launch`) and writes the same folder.',
  version: 1,
  cacheNeutralFields: CACHE_NEUTRAL_TRAINING_FIELDS,
  inputs: [
    { name: 'model', type: 'Model', title: 'Model', description: 'The model to start from.' },
    { name: 'tokens', type: 'Tokens', title: 'Tokens', description: 'Train and val token shards made with the model’s tokenizer.' },
  ],
  outputs: [{ name: 'model', type: 'Model', title: 'Model', description: 'The fine-tuned model (LoRA merged in), with the PEFT adapter for LoRA.' }],
  config: finetuneConfig,
  sameTokenizer: ['model', 'tokens'],
  checkConfig: (config) => [...checkSchedule(config), ...checkRunner(config)],
  facts: finetuneFacts,
});

/** What the config alone says: the method, what is trained, and tokens per step. */
export function finetuneFacts(config: FinetuneNodeConfig): NodeFact[] {
  const { method, loraRank, loraAlpha, loraTargets, blockSize, batchSize, gradAccumSteps } = config;
  const methodFact: NodeFact =
    method === 'lora'
      ? { label: 'Method', value: `LoRA rank ${loraRank} on ${loraTargets?.join(', ') ?? "the model's query and value projections"}`, note: `scale alpha / r = ${formatScale(loraAlpha / loraRank)}; base weights frozen` }
      : { label: 'Method', value: 'Full fine-tuning', note: 'every weight trains, with AdamW state for each (about 4× the weights in memory)' };
  const trained: NodeFact =
    method === 'lora'
      ? { label: 'Trainable', value: loraTargets === undefined ? 'Adapter matrices on the query and value projections' : `${loraTargets.length * 2} adapter matrices per block`, note: `r × (in + out) = ${loraRank} × (in + out) parameters per adapted layer` }
      : { label: 'Trainable', value: 'All parameters' };
  const tokensPerStep: NodeFact =
    blockSize === undefined
      ? { label: 'Tokens per step', value: `${formatCount(batchSize * gradAccumSteps)} × context`, note: "windows of the model's full context (blockSize empty)" }
      : { label: 'Tokens per step', value: formatCount(batchSize * blockSize * gradAccumSteps) };
  return [methodFact, trained, tokensPerStep, ...runnerFacts(config)];
}

function formatScale(scale: number): string {
  return Number.isInteger(scale) ? String(scale) : scale.toFixed(3).replace(/0+$/, '');
}
