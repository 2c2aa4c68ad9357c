// Reads a hub checkpoint's tensors into Crucible's parameter set (HF names — GPT-2's with the `transformer.` prefix,
// Llama's as stored — float32). `checkHubWeights` checks the headers (names, dtypes, shapes) without reading data;
// `loadHubWeights` then reads each file once, tensor by tensor. The caller checks what it must in between.

import path from 'node:path';
import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import { readSafetensors, readSafetensorsHeader, type SafetensorsEntry } from '../export/safetensors.ts';
import type { HubConfig } from './hub-config.ts';
import type { HubWeightFiles } from './hub-weight-files.ts';

export type SourceDtype = 'F32' | 'F16' | 'BF16';
const SOURCE_DTYPES: readonly string[] = ['F32', 'F16', 'BF16'];

const HEAD = 'lm_head.weight';
const MISMATCH = 'the weights and config.json do not belong together — use the config.json that came with these weights';

/** How one architecture's checkpoints name their tensors. */
interface HubNaming {
  className: string;
  /** How errors name the embedding (GPT-2's "wte"; Llama's full name). */
  embeddingLabel: string;
  /** Every tensor the model needs, in order, under Crucible's (= HF's canonical) names. */
  specs: { name: string; shape: readonly number[] }[];
  embedding: string;
  /** A stored name as Crucible names it, or null for a buffer that is skipped unread. */
  canonical(stored: string): string | null;
  /** The other spelling hub checkpoints use for a name, for error messages. */
  otherSpelling(name: string): string | null;
  /** The config sizes errors quote. */
  sizes: string;
}

const GPT2_PREFIX = 'transformer.';
/** The causal-mask buffers older transformers saved with GPT-2's weights; Crucible builds its own mask. */
const GPT2_BUFFER = /^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$/;
/** The rotary frequencies some Llama checkpoints saved (transformers < 4.31); Crucible computes them from rope_theta. */
const LLAMA_BUFFER = /^model\.layers\.\d+\.self_attn\.rotary_emb\.inv_freq$/;

function gpt2Naming(config: Gpt2Config): HubNaming {
  return {
    className: 'GPT2LMHeadModel',
    embeddingLabel: 'wte',
    specs: gpt2ParameterSpecs({ ...config, bias: true }),
    embedding: 'transformer.wte.weight',
    canonical: (stored) => (GPT2_BUFFER.test(stored) ? null : stored === HEAD || stored.startsWith(GPT2_PREFIX) ? stored : GPT2_PREFIX + stored),
    otherSpelling: (name) => (name.startsWith(GPT2_PREFIX) ? name.slice(GPT2_PREFIX.length) : null),
    sizes: `vocab_size ${config.vocabSize}, n_positions ${config.blockSize}, n_embd ${config.nEmbd}, n_layer ${config.nLayer}`,
  };
}

function llamaNaming(config: LlamaConfig): HubNaming {
  return {
    className: 'LlamaForCausalLM',
    embeddingLabel: 'model.embed_tokens.weight',
    specs: llamaParameterSpecs(config),
    embedding: 'model.embed_tokens.weight',
    canonical: (stored) => (LLAMA_BUFFER.test(stored) ? null : stored),
    otherSpelling: () => null,
    sizes: `vocab_size ${config.vocabSize}, hidden_size ${config.nEmbd}, num_attention_heads ${config.nHead}, num_key_value_heads ${config.nKvHead}, head_dim ${config.headDim}, intermediate_size ${config.intermediateSize}, num_hidden_layers ${config.nLayer}, tie_word_embeddings ${config.tieEmbeddings}`,
  };
}

export interface HubWeights {
  parameters: ParameterSet;
  /** The stored dtype of the token embedding (the checkpoint's dtype; all weights are float32 after import). */
  sourceDtype: SourceDtype;
}

/** Where one expected tensor lives: its file and its name as stored (with or without the prefix). */
interface Located {
  file: string;
  storedName: string;
  entry: SafetensorsEntry;
}

/** A checkpoint whose headers passed every check: where each tensor lives, nothing read yet. */
export interface CheckedHubWeights {
  naming: HubNaming;
  found: Map<string, Located>;
  /** A stored lm_head of a model that ties its head, to compare with the embedding once read. */
  tiedHead: Located | undefined;
}

/** Names, dtypes and shapes from the headers alone, so a wrong checkpoint fails before any tensor data is read. */
export function checkHubWeights(files: HubWeightFiles, hub: Pick<HubConfig, 'architecture' | 'config' | 'tieWordEmbeddings'>): CheckedHubWeights {
  const naming = hub.architecture === 'LlamaForCausalLM' ? llamaNaming(hub.config as LlamaConfig) : gpt2Naming(hub.config as Gpt2Config);
  const found = locateTensors(files, naming);
  const { specs, sizes } = naming;
  for (const spec of specs) {
    const located = found.get(spec.name);
    if (located === undefined) {
      const other = naming.otherSpelling(spec.name);
      throw new Error(`${files.describedBy}: tensor "${spec.name}"${other === null ? '' : ` (or "${other}")`} is missing, expected shape [${spec.shape.join(',')}] (config.json: ${sizes}); ${MISMATCH}`);
    }
    checkEntry(located, spec.shape, sizes);
  }
  const embeddingShape = specs.find((spec) => spec.name === naming.embedding)!.shape;
  const tiedHead = specs.some((spec) => spec.name === HEAD) ? undefined : found.get(HEAD);
  if (tiedHead !== undefined) checkEntry(tiedHead, embeddingShape, sizes);
  else if (!hub.tieWordEmbeddings && !specs.some((spec) => spec.name === HEAD)) {
    throw new Error(`${files.describedBy}: config.json sets tie_word_embeddings false but there is no ${HEAD}; the output head is missing — Crucible supports GPT-2's tied head (lm_head = wte) only`);
  }
  const expected = new Set([...specs.map((spec) => spec.name), HEAD]);
  const unknown = [...found.keys()].filter((name) => !expected.has(name));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).map((name) => `"${(found.get(name) as Located).storedName}"`).join(', ');
    throw new Error(`${files.describedBy}: ${unknown.length} tensor(s) a ${naming.className} does not have: ${shown}${unknown.length > 10 ? ', …' : ''}; the checkpoint is another architecture or has extra layers — ${MISMATCH}`);
  }
  return { naming, found, tiedHead };
}

/** Reads every tensor a checked checkpoint holds into float32, then checks the values (tied head, finite). */
export function loadHubWeights(checked: CheckedHubWeights): HubWeights {
  const { naming, found, tiedHead } = checked;
  const loaded = loadTensors(found);
  if (tiedHead !== undefined) checkTiedHead(loaded, tiedHead, naming);
  for (const [name, tensor] of loaded) checkFinite(tensor.data as Float32Array, found.get(name)!);
  const parameters: ParameterSet = new Map(naming.specs.map((spec) => [spec.name, loaded.get(spec.name)!]));
  return { parameters, sourceDtype: (found.get(naming.embedding) as Located).entry.dtype as SourceDtype };
}

/** Every tensor of every file under its Crucible name (buffers dropped); an index and its shards must agree. */
function locateTensors(files: HubWeightFiles, naming: HubNaming): Map<string, Located> {
  const found = new Map<string, Located>();
  for (const file of files.files) {
    const { entries } = readSafetensorsHeader(file);
    for (const [storedName, entry] of entries) {
      const name = naming.canonical(storedName);
      if (name === null) continue;
      const earlier = found.get(name);
      if (earlier !== undefined) {
        throw new Error(`${file}: tensor "${storedName}" is also stored as "${earlier.storedName}" in ${path.basename(earlier.file)}; a checkpoint holds each weight once — re-download it`);
      }
      found.set(name, { file, storedName, entry });
    }
  }
  if (files.weightMap !== null) {
    for (const [tensor, shard] of files.weightMap) {
      const name = naming.canonical(tensor);
      if (name === null) continue;
      if (found.get(name)?.file !== shard) {
        throw new Error(`${files.describedBy}: weight_map puts tensor "${tensor}" in ${path.basename(shard)}, which does not hold it; the index and its shards do not match — re-download them together`);
      }
    }
  }
  return found;
}

function checkEntry(located: Located, shape: readonly number[], sizes: string): void {
  const { file, storedName, entry } = located;
  if (!SOURCE_DTYPES.includes(entry.dtype)) {
    throw new Error(`${file}: tensor "${storedName}" has dtype ${entry.dtype}; Crucible imports F32, F16 or BF16 weights — re-save the model in one of them`);
  }
  if (entry.shape.join(',') !== shape.join(',')) {
    throw new Error(`${file}: tensor "${storedName}" has shape [${entry.shape.join(',')}], expected [${shape.join(',')}] (config.json: ${sizes}); ${MISMATCH}`);
  }
}

/** One pass per file, loading only the tensors the model uses, widened to float32 as they are read. */
function loadTensors(found: Map<string, Located>): ParameterSet {
  const byFile = new Map<string, Map<string, string>>();
  for (const [name, located] of found) {
    const names = byFile.get(located.file) ?? new Map<string, string>();
    names.set(located.storedName, name);
    byFile.set(located.file, names);
  }
  const loaded: ParameterSet = new Map();
  for (const [file, names] of byFile) {
    const { tensors } = readSafetensors(file, { select: (stored) => names.has(stored) });
    for (const [stored, tensor] of tensors) loaded.set(names.get(stored)!, tensor);
  }
  return loaded;
}

/** NaN or infinite weights (a damaged file, or F16 overflow when it was saved) would poison every step after. */
function checkFinite(values: Float32Array, located: Located): void {
  for (let index = 0; index < values.length; index++) {
    if (!Number.isFinite(values[index])) {
      throw new Error(`${located.file}: tensor "${located.storedName}" holds ${values[index]} at element ${index}; the checkpoint is damaged or overflowed when it was saved — re-download it, or save it again in F32 or BF16`);
    }
  }
}

/**
 * A stored lm_head of a model that ties its head must be the embedding itself (GPT-2 always ties; a Llama with
 * tie_word_embeddings true computes its logits from the embedding, so a different stored head would be ignored).
 */
function checkTiedHead(loaded: ParameterSet, head: Located, naming: HubNaming): void {
  const headTensor = loaded.get(HEAD)!;
  const headValues = headTensor.data as Float32Array;
  const embedding = loaded.get(naming.embedding)!.data as Float32Array;
  loaded.delete(HEAD);
  for (let index = 0; index < embedding.length; index++) {
    if (headValues[index] !== embedding[index] && !(Number.isNaN(headValues[index]) && Number.isNaN(embedding[index]))) {
      const row = Math.floor(index / (headTensor.shape[1] as number));
      const fix = naming.className === 'GPT2LMHeadModel'
        ? 'this model has an untied output head, which Crucible does not support — only GPT-2\'s tied head (lm_head = wte) can be imported'
        : 'config.json says tie_word_embeddings true, so this head would be ignored — set tie_word_embeddings to false if the model was trained with its own head';
      throw new Error(`${head.file}: tensor "${head.storedName}" differs from the token embedding ${naming.embeddingLabel} (first at row ${row}); ${fix}`);
    }
  }
}
