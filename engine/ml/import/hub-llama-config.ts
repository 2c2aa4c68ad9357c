// A Llama-family config.json (transformers' LlamaConfig: SmolLM2, TinyLlama, Llama 2/3-shaped models) turned into a
// LlamaConfig. Everything that would make the weights compute another function than Crucible's Llama — a RoPE scaling
// we do not implement, an activation other than SiLU, nanotron's interleaved rotary — is refused by name.

import { llamaConfig, type LlamaConfig } from '../llama/config.ts';

type FieldError = (name: string, problem: string, remedy?: string) => Error;

/** transformers' LlamaConfig defaults for fields a config.json may leave out (tie_word_embeddings is false there). */
const HF_LLAMA_DEFAULTS = { rms_norm_eps: 1e-6, rope_theta: 10000, hidden_act: 'silu', tie_word_embeddings: false } as const;
const REQUIRED_SIZES = ['vocab_size', 'hidden_size', 'intermediate_size', 'num_hidden_layers', 'num_attention_heads', 'max_position_embeddings'] as const;
/** RoPE types that compute the plain rotation (transformers' "default"; "linear" with factor 1 is the same). */
const PLAIN_ROPE_TYPES = ['default'];

export function llamaFromHubConfig(json: Record<string, unknown>, field: FieldError): LlamaConfig {
  const sizes = Object.fromEntries(REQUIRED_SIZES.map((name) => [name, positiveInteger(json, name, field, true)])) as Record<(typeof REQUIRED_SIZES)[number], number>;
  const nHead = sizes.num_attention_heads;
  const nKvHead = positiveInteger(json, 'num_key_value_heads', field, false) ?? nHead;
  if (nHead % nKvHead !== 0) throw field('num_key_value_heads', `(${nKvHead}) must divide num_attention_heads (${nHead}): each key/value head serves the same number of query heads`);
  const headDim = positiveInteger(json, 'head_dim', field, false) ?? headDimOf(sizes.hidden_size, nHead, field);
  if (headDim % 2 !== 0) throw field('head_dim', `(${headDim}) must be even: rotary embeddings rotate pairs of channels`);
  const activation = json.hidden_act ?? HF_LLAMA_DEFAULTS.hidden_act;
  if (activation !== 'silu') throw field('hidden_act', `is ${JSON.stringify(activation)}; Crucible's Llama computes SwiGLU with SiLU ("silu"), so this model cannot be imported as it is`);
  if (json.rope_interleaved === true) throw field('rope_interleaved', 'is true (nanotron\'s interleaved rotary); Crucible rotates the two halves of each head as transformers\' LlamaForCausalLM does — convert the checkpoint with transformers first');
  const ropeTheta = ropeThetaOf(json, field);
  const rmsNormEps = numberOr(json, 'rms_norm_eps', HF_LLAMA_DEFAULTS.rms_norm_eps, field);
  if (!(rmsNormEps > 0)) throw field('rms_norm_eps', `must be positive, found ${rmsNormEps}`);
  const dropout = numberOr(json, 'attention_dropout', 0, field);
  if (!(dropout >= 0 && dropout < 1)) throw field('attention_dropout', `must be in [0, 1), found ${dropout}`);
  return llamaConfig({
    vocabSize: sizes.vocab_size,
    nLayer: sizes.num_hidden_layers,
    nHead,
    nKvHead,
    nEmbd: sizes.hidden_size,
    headDim,
    intermediateSize: sizes.intermediate_size,
    blockSize: sizes.max_position_embeddings,
    ropeTheta,
    rmsNormEps,
    tieEmbeddings: booleanOr(json, 'tie_word_embeddings', HF_LLAMA_DEFAULTS.tie_word_embeddings, field),
    attentionBias: booleanOr(json, 'attention_bias', false, field),
    mlpBias: booleanOr(json, 'mlp_bias', false, field),
    dropout,
  });
}

function headDimOf(hiddenSize: number, nHead: number, field: FieldError): number {
  if (hiddenSize % nHead !== 0) throw field('hidden_size', `(${hiddenSize}) is not divisible by num_attention_heads (${nHead}) and there is no head_dim; set head_dim to the width of one head`);
  return hiddenSize / nHead;
}

/**
 * rope_theta, or newer transformers' rope_parameters { rope_type, rope_theta }; rope_scaling (older) or a rope_type
 * other than "default" (llama3, linear, dynamic, yarn, longrope) changes the positions' frequencies, which Crucible
 * does not compute: such a model would silently give other outputs, so it is refused.
 */
function ropeThetaOf(json: Record<string, unknown>, field: FieldError): number {
  const refuse = (name: string, type: unknown) =>
    field(name, `asks for RoPE scaling ${JSON.stringify(type)}; Crucible computes plain rotary embeddings (rope_type "default") only, so this model's long-context frequencies cannot be reproduced — import a model without rope scaling`);
  const scaling = json.rope_scaling;
  if (scaling !== undefined && scaling !== null) {
    if (typeof scaling !== 'object' || Array.isArray(scaling)) throw field('rope_scaling', `must be null or an object, found ${JSON.stringify(scaling)}`);
    const type = (scaling as Record<string, unknown>).rope_type ?? (scaling as Record<string, unknown>).type;
    if (!PLAIN_ROPE_TYPES.includes(type as string)) throw refuse('rope_scaling', type);
  }
  let theta = numberOr(json, 'rope_theta', HF_LLAMA_DEFAULTS.rope_theta, field);
  const parameters = json.rope_parameters;
  if (parameters !== undefined && parameters !== null) {
    if (typeof parameters !== 'object' || Array.isArray(parameters)) throw field('rope_parameters', `must be an object such as {"rope_type": "default", "rope_theta": 10000}, found ${JSON.stringify(parameters)}`);
    const record = parameters as Record<string, unknown>;
    // transformers reads rope_parameters.rope_type, falling back to "type" (older configs' spelling), then "default".
    const typeField = record.rope_type !== undefined && record.rope_type !== null ? 'rope_type' : 'type';
    const type = record[typeField] ?? 'default';
    if (!PLAIN_ROPE_TYPES.includes(type as string)) throw refuse(`rope_parameters.${typeField}`, type);
    if (record.rope_theta !== undefined) {
      if (typeof record.rope_theta !== 'number') throw field('rope_parameters.rope_theta', `must be a number, found ${JSON.stringify(record.rope_theta)}`);
      if (json.rope_theta !== undefined && json.rope_theta !== null && json.rope_theta !== record.rope_theta) {
        throw field('rope_parameters.rope_theta', `(${record.rope_theta}) differs from rope_theta (${JSON.stringify(json.rope_theta)}); both give RoPE's base — make them equal`);
      }
      theta = record.rope_theta;
    }
  }
  if (!(theta > 0) || !Number.isFinite(theta)) throw field('rope_theta', `must be a positive number, found ${theta}`);
  return theta;
}

function positiveInteger(json: Record<string, unknown>, name: string, field: FieldError, required: true): number;
function positiveInteger(json: Record<string, unknown>, name: string, field: FieldError, required: false): number | undefined;
function positiveInteger(json: Record<string, unknown>, name: string, field: FieldError, required: boolean): number | undefined {
  const value = json[name];
  if (value === undefined || value === null) {
    if (!required) return undefined;
    throw field(name, 'is missing', `a Llama config.json needs ${REQUIRED_SIZES.join(', ')} — use the config.json that came with the weights`);
  }
  if (!Number.isSafeInteger(value) || (value as number) < 1) throw field(name, `must be a positive integer, found ${JSON.stringify(value)}`);
  return value as number;
}

function numberOr(json: Record<string, unknown>, name: string, fallback: number, field: FieldError): number {
  const value = json[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number') throw field(name, `must be a number, found ${JSON.stringify(value)}`);
  return value;
}

function booleanOr(json: Record<string, unknown>, name: string, fallback: boolean, field: FieldError): boolean {
  const value = json[name];
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'boolean') throw field(name, `must be true or false, found ${JSON.stringify(value)}`);
  return value;
}
