// Reads a hub GPT-2 checkpoint's tensors into Crucible's parameter set (HF names with the `transformer.` prefix,
// float32). Headers are checked first (names, dtypes, shapes), then each file is read once, tensor by tensor.

import path from 'node:path';
import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs, type ParameterSet } from '../gpt2/parameters.ts';
import { readSafetensors, readSafetensorsHeader, type SafetensorsEntry } from '../export/safetensors.ts';
import type { HubWeightFiles } from './hub-weight-files.ts';

export type SourceDtype = 'F32' | 'F16' | 'BF16';
const SOURCE_DTYPES: readonly string[] = ['F32', 'F16', 'BF16'];

const PREFIX = 'transformer.';
const HEAD = 'lm_head.weight';
const EMBEDDING = 'transformer.wte.weight';
/** The causal-mask buffers older transformers saved with the weights; Crucible builds its own mask. */
const BUFFER = /^(transformer\.)?h\.\d+\.attn\.(bias|masked_bias)$/;
const MISMATCH = 'the weights and config.json do not belong together — use the config.json that came with these weights';

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

export function readHubWeights(files: HubWeightFiles, config: Gpt2Config, tieWordEmbeddings: boolean): HubWeights {
  const found = locateTensors(files);
  const specs = gpt2ParameterSpecs({ ...config, bias: true });
  const sizes = `vocab_size ${config.vocabSize}, n_positions ${config.blockSize}, n_embd ${config.nEmbd}, n_layer ${config.nLayer}`;
  for (const spec of specs) {
    const located = found.get(spec.name);
    if (located === undefined) {
      throw new Error(`${files.describedBy}: tensor "${spec.name}" (or "${spec.name.slice(PREFIX.length)}") is missing, expected shape [${spec.shape.join(',')}] (config.json: ${sizes}); ${MISMATCH}`);
    }
    checkEntry(located, spec.shape, sizes);
  }
  const head = found.get(HEAD);
  if (head !== undefined) checkEntry(head, [config.vocabSize, config.nEmbd], sizes);
  else if (!tieWordEmbeddings) {
    throw new Error(`${files.describedBy}: config.json sets tie_word_embeddings false but there is no ${HEAD}; the output head is missing — Crucible supports GPT-2's tied head (lm_head = wte) only`);
  }
  const expected = new Set([...specs.map((spec) => spec.name), HEAD]);
  const unknown = [...found.keys()].filter((name) => !expected.has(name));
  if (unknown.length > 0) {
    const shown = unknown.slice(0, 10).map((name) => `"${(found.get(name) as Located).storedName}"`).join(', ');
    throw new Error(`${files.describedBy}: ${unknown.length} tensor(s) a GPT2LMHeadModel does not have: ${shown}${unknown.length > 10 ? ', …' : ''}; the checkpoint is another architecture or has extra layers — ${MISMATCH}`);
  }
  const loaded = loadTensors(found);
  if (head !== undefined) checkTiedHead(loaded, head, config);
  for (const [name, tensor] of loaded) checkFinite(tensor.data as Float32Array, found.get(name)!);
  const parameters: ParameterSet = new Map(specs.map((spec) => [spec.name, loaded.get(spec.name)!]));
  return { parameters, sourceDtype: (found.get(EMBEDDING) as Located).entry.dtype as SourceDtype };
}

/** Every tensor of every file under its Crucible name (buffers dropped); an index and its shards must agree. */
function locateTensors(files: HubWeightFiles): Map<string, Located> {
  const found = new Map<string, Located>();
  for (const file of files.files) {
    const { entries } = readSafetensorsHeader(file);
    for (const [storedName, entry] of entries) {
      if (BUFFER.test(storedName)) continue;
      const name = storedName === HEAD || storedName.startsWith(PREFIX) ? storedName : PREFIX + storedName;
      const earlier = found.get(name);
      if (earlier !== undefined) {
        throw new Error(`${file}: tensor "${storedName}" is also stored as "${earlier.storedName}" in ${path.basename(earlier.file)}; a checkpoint holds each weight once — re-download it`);
      }
      found.set(name, { file, storedName, entry });
    }
  }
  if (files.weightMap !== null) {
    for (const [tensor, shard] of files.weightMap) {
      if (BUFFER.test(tensor)) continue;
      const name = tensor === HEAD || tensor.startsWith(PREFIX) ? tensor : PREFIX + tensor;
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

/** A stored lm_head must be the embedding itself: Crucible's models (and GPT-2) tie the output head to wte. */
function checkTiedHead(loaded: ParameterSet, head: Located, config: Gpt2Config): void {
  const headValues = loaded.get(HEAD)!.data as Float32Array;
  const embedding = loaded.get(EMBEDDING)!.data as Float32Array;
  loaded.delete(HEAD);
  for (let index = 0; index < embedding.length; index++) {
    if (headValues[index] !== embedding[index] && !(Number.isNaN(headValues[index]) && Number.isNaN(embedding[index]))) {
      const row = Math.floor(index / config.nEmbd);
      throw new Error(`${head.file}: tensor "${head.storedName}" differs from the token embedding wte (first at row ${row}); this model has an untied output head, which Crucible does not support — only GPT-2's tied head (lm_head = wte) can be imported`);
    }
  }
}
