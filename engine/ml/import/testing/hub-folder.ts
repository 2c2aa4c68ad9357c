// Test support (tests and bench/): writes a GPT-2 folder in the Hugging Face hub's layout — config.json as
// transformers saves it, safetensors weights (single or sharded), tokenizer files — and a pickle-only folder to refuse.
// Seeded weights are generated tensor by tensor, so a GPT-2-small-shaped folder costs one tensor of memory at a time.

import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { buildTokenizerConfig, loadHuggingFaceTokenizer, trainBpe, trainChar, type Tokenizer } from '../../../tokenize/index.ts';
import { gpt2Config, type Gpt2Config, type Gpt2ConfigInput } from '../../gpt2/config.ts';
import { gpt2ParameterSpecs, type Gpt2ParameterSpec, type ParameterSet } from '../../gpt2/parameters.ts';
import { elementCountOf } from '../../tensor/host-tensor.ts';
import { seededUniform, writeHubWeightFiles, type HubDtype, type StreamedTensor } from './hub-safetensors.ts';

export interface HubGpt2FolderOptions {
  config: Gpt2ConfigInput;
  seed?: number;
  dtype?: HubDtype;
  /** Tensor names with the `transformer.` prefix (default true); false writes the older hub naming (`h.0.…`). */
  prefixed?: boolean;
  /** 1 (default) writes model.safetensors; more writes model.safetensors.index.json and that many shards. */
  shards?: number;
  /** Writes the causal-mask buffers h.N.attn.bias and h.N.attn.masked_bias, as older transformers saved them. */
  buffers?: boolean;
  /** Writes lm_head.weight as a copy of wte (a tied head stored explicitly). */
  lmHead?: boolean;
  chatTemplate?: string;
  /** A tokenizer.json to copy in; default: a small byte-level BPE trained here (a char tokenizer when vocabSize < 257). */
  tokenizerJsonPath?: string;
  /** Exact weights (Crucible names) instead of seeded ones. */
  parameters?: ParameterSet;
  /** Weight files of full size with nothing written (see HubWeightWriteOptions): a large model's headers, for free. */
  hollow?: boolean;
}

const ATTENTION_MASK_FILL = -1e4;
/** Small noise on LayerNorm scales and biases too, so tests notice a wrong layout there as well. */
const WEIGHT_STD = 0.02;
const NOISE_STD = 0.05;
const DEFAULT_TOKENIZER_VOCAB = 300;
const TOKENIZER_TEXT = 'The quick brown fox jumps over the lazy dog. She sells sea shells by the sea shore. A model reads text, one token at a time; it learns what comes next.\n';

export function writeHubGpt2Folder(dir: string, options: HubGpt2FolderOptions): void {
  const config = gpt2Config(options.config);
  mkdirSync(dir, { recursive: true });
  const tokenizer = writeTokenizerFiles(dir, config, options);
  const eos = tokenizer.addedTokens.find((token) => token.special && token.content !== tokenizer.unkToken)?.id ?? null;
  writeJson(path.join(dir, 'config.json'), hubConfigJson(config, eos));
  writeJson(path.join(dir, 'generation_config.json'), { bos_token_id: eos, eos_token_id: eos });
  writeWeights(dir, config, options);
}

/** A folder whose only weights are a PyTorch pickle; the bytes are not a pickle at all (the importer must not open it). */
export function writePickleOnlyFolder(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeJson(path.join(dir, 'config.json'), hubConfigJson(gpt2Config({ vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 16 }), null));
  writeFileSync(path.join(dir, 'pytorch_model.bin'), 'not a pickle: Crucible must refuse this folder without opening this file\n');
}

/** config.json as transformers' GPT2Config.save_pretrained writes it for GPT2LMHeadModel. */
function hubConfigJson(config: Gpt2Config, eos: number | null): Record<string, unknown> {
  return {
    _name_or_path: 'gpt2',
    activation_function: 'gelu_new',
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: config.dropout,
    bos_token_id: eos,
    embd_pdrop: config.dropout,
    eos_token_id: eos,
    initializer_range: 0.02,
    layer_norm_epsilon: config.layerNormEpsilon,
    model_type: 'gpt2',
    n_ctx: config.blockSize,
    n_embd: config.nEmbd,
    n_head: config.nHead,
    n_inner: null,
    n_layer: config.nLayer,
    n_positions: config.blockSize,
    reorder_and_upcast_attn: false,
    resid_pdrop: config.dropout,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    torch_dtype: 'float32',
    transformers_version: '4.44.0',
    use_cache: true,
    vocab_size: config.vocabSize,
  };
}

function writeTokenizerFiles(dir: string, config: Gpt2Config, options: HubGpt2FolderOptions): Tokenizer {
  const tokenizerPath = path.join(dir, 'tokenizer.json');
  let tokenizer: Tokenizer;
  if (options.tokenizerJsonPath !== undefined) {
    copyFileSync(options.tokenizerJsonPath, tokenizerPath);
    tokenizer = loadHuggingFaceTokenizer(readFileSync(tokenizerPath, 'utf8'), tokenizerPath);
  } else {
    tokenizer = defaultTokenizer(config.vocabSize);
    writeJson(tokenizerPath, tokenizer.toHuggingFaceJson());
  }
  const tokenizerConfig = { ...buildTokenizerConfig(tokenizer, { modelMaxLength: config.blockSize }), tokenizer_class: 'GPT2Tokenizer' };
  writeJson(path.join(dir, 'tokenizer_config.json'), options.chatTemplate === undefined ? tokenizerConfig : { ...tokenizerConfig, chat_template: options.chatTemplate });
  return tokenizer;
}

const trainedTokenizers = new Map<number, Tokenizer>();

/** A byte-level BPE needs 257 ids (256 bytes + end of text); a smaller vocabulary gets a char tokenizer (~40 ids). */
function defaultTokenizer(vocabSize: number): Tokenizer {
  const size = Math.min(vocabSize, DEFAULT_TOKENIZER_VOCAB);
  let tokenizer = trainedTokenizers.get(size);
  if (tokenizer === undefined) {
    tokenizer = size >= 257 ? trainBpe(TOKENIZER_TEXT.repeat(20), { vocabSize: size }) : trainChar(TOKENIZER_TEXT);
    if (tokenizer.vocabSize > vocabSize) throw new Error(`writeHubGpt2Folder: vocabSize ${vocabSize} is below the ${tokenizer.vocabSize} ids of the smallest default tokenizer; raise it or pass tokenizerJsonPath`);
    trainedTokenizers.set(size, tokenizer);
  }
  return tokenizer;
}

function writeWeights(dir: string, config: Gpt2Config, options: HubGpt2FolderOptions): void {
  writeHubWeightFiles(dir, tensorsToWrite(config, options), { dtype: options.dtype ?? 'F32', shards: options.shards ?? 1, hollow: options.hollow === true });
}

/** Every tensor in the hub's naming and order: embeddings, blocks (with buffers), final LayerNorm, lm_head last. */
function tensorsToWrite(config: Gpt2Config, options: HubGpt2FolderOptions): StreamedTensor[] {
  const seed = options.seed ?? 0;
  const stored = (name: string) => (options.prefixed === false ? name.replace(/^transformer\./, '') : name);
  const specs = gpt2ParameterSpecs({ ...config, bias: true });
  const valuesOf = (spec: Gpt2ParameterSpec, index: number) => () => exactOrSeeded(spec, options.parameters, Math.imul(seed, 1_000_003) + index);
  const tensors: StreamedTensor[] = [];
  specs.forEach((spec, index) => {
    tensors.push({ name: stored(spec.name), shape: spec.shape, values: valuesOf(spec, index) });
    const block = /^transformer\.h\.(\d+)\.ln_1\.weight$/.exec(spec.name);
    if (options.buffers === true && block !== null) {
      const size = config.blockSize;
      tensors.push({ name: stored(`transformer.h.${block[1]}.attn.bias`), shape: [1, 1, size, size], values: () => causalMask(size) });
      tensors.push({ name: stored(`transformer.h.${block[1]}.attn.masked_bias`), shape: [], values: () => Float32Array.of(ATTENTION_MASK_FILL) });
    }
  });
  if (options.lmHead === true) tensors.push({ name: 'lm_head.weight', shape: specs[0]!.shape, values: valuesOf(specs[0]!, 0) });
  return tensors;
}

function exactOrSeeded(spec: Gpt2ParameterSpec, parameters: ParameterSet | undefined, seed: number): Float32Array {
  if (parameters !== undefined) {
    const tensor = parameters.get(spec.name);
    if (tensor === undefined) throw new Error(`writeHubGpt2Folder: parameters has no "${spec.name}"`);
    return Float32Array.from(tensor.data as Float32Array | Float64Array);
  }
  const spread = Math.sqrt(3) * (spec.init === 'normal' || spec.init === 'residual' ? WEIGHT_STD : NOISE_STD);
  return seededUniform(elementCountOf(spec.shape), seed, spec.init === 'ones' ? 1 : 0, spread);
}

function causalMask(size: number): Float32Array {
  const mask = new Float32Array(size * size);
  for (let row = 0; row < size; row++) mask.fill(1, row * size, row * size + row + 1);
  return mask;
}

export function writeJson(file: string, value: unknown): void {
  writeFileSync(file, `${JSON.stringify(value, null, 2)}\n`);
}
