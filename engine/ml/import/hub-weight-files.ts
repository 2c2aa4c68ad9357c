// Finds a hub model folder's weight files: model.safetensors, or model.safetensors.index.json and its shards.
// Pickle checkpoints (pytorch_model.bin, *.pt, *.ckpt, …) are refused by name and never opened: unpickling runs code.

import { existsSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { readJsonObjectFile } from '../../files/json-text.ts';

export const SINGLE_WEIGHTS_FILE = 'model.safetensors';
export const WEIGHTS_INDEX_FILE = 'model.safetensors.index.json';

const PICKLE_EXTENSIONS = ['.bin', '.pt', '.pth', '.ckpt', '.pkl', '.pickle'];
const OTHER_FRAMEWORK_FILES = ['tf_model.h5', 'flax_model.msgpack'];

/** How to turn a PyTorch checkpoint into safetensors, on a machine that trusts the file. */
export const CONVERT_TO_SAFETENSORS =
  'convert it to safetensors on a machine where you trust the file, e.g. in Python: ' +
  '`from transformers import AutoModelForCausalLM; AutoModelForCausalLM.from_pretrained(DIR).save_pretrained(OUT, safe_serialization=True)`, ' +
  'then import OUT (copy tokenizer.json and tokenizer_config.json beside it), or download the repository revision that has model.safetensors';

export interface HubWeightFiles {
  /** The file errors about the whole set name: model.safetensors, or the index. */
  describedBy: string;
  /** Every safetensors file to read, in order. */
  files: string[];
  /** For a sharded checkpoint: tensor name → the shard file the index puts it in. */
  weightMap: Map<string, string> | null;
}

export function locateHubWeightFiles(folder: string): HubWeightFiles {
  const single = path.join(folder, SINGLE_WEIGHTS_FILE);
  if (isFile(single)) return { describedBy: single, files: [single], weightMap: null };
  const index = path.join(folder, WEIGHTS_INDEX_FILE);
  if (existsSync(index)) return readWeightsIndex(folder, index);
  throw noSafetensors(folder);
}

/** The index's weight_map, checked: plain file names inside the folder, every shard present. */
function readWeightsIndex(folder: string, indexPath: string): HubWeightFiles {
  const remedy = 're-download model.safetensors.index.json with its shards';
  const json = readJsonObjectFile(indexPath, { expected: 'a safetensors index (model.safetensors.index.json)', remedy });
  const map = json.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new Error(`${indexPath}: field "weight_map" must map tensor names to shard files; ${remedy}`);
  const weightMap = new Map<string, string>();
  const shards: string[] = [];
  for (const [tensor, shard] of Object.entries(map as Record<string, unknown>)) {
    if (typeof shard !== 'string' || !isPlainSafetensorsName(shard)) {
      throw new Error(`${indexPath}: weight_map puts tensor "${tensor}" in ${JSON.stringify(shard)}, which is not a .safetensors file name in this folder; ${remedy}`);
    }
    const shardPath = path.join(folder, shard);
    if (!shards.includes(shardPath)) {
      if (!isFile(shardPath)) throw new Error(`${indexPath}: shard ${shard} (holding tensor "${tensor}") is missing from ${folder}; download every shard the index lists`);
      shards.push(shardPath);
    }
    weightMap.set(tensor, shardPath);
  }
  if (shards.length === 0) throw new Error(`${indexPath}: weight_map is empty; ${remedy}`);
  return { describedBy: indexPath, files: shards, weightMap };
}

/** No safetensors weights: say what the folder has instead, and what to do. */
function noSafetensors(folder: string): Error {
  const names = readdirSync(folder);
  const pickles = names.filter((name) => PICKLE_EXTENSIONS.some((extension) => name.toLowerCase().endsWith(extension)) || name === 'pytorch_model.bin.index.json');
  if (pickles.length > 0) {
    return new Error(`${folder}: the weights are only in PyTorch pickle files (${pickles.join(', ')}); Crucible never loads pickle files, because opening one can run arbitrary code — ${CONVERT_TO_SAFETENSORS}`);
  }
  const others = names.filter((name) => OTHER_FRAMEWORK_FILES.includes(name));
  if (others.length > 0) {
    return new Error(`${folder}: the weights are only in ${others.join(', ')}; Crucible reads safetensors — save the model with safe_serialization=True from transformers, or download the revision that has model.safetensors`);
  }
  const strays = names.filter((name) => name.endsWith('.safetensors'));
  if (strays.length > 0) {
    return new Error(`${folder}: found ${strays.join(', ')} but neither ${SINGLE_WEIGHTS_FILE} nor ${WEIGHTS_INDEX_FILE}; name a single weights file ${SINGLE_WEIGHTS_FILE}, or download the index that lists the shards`);
  }
  return new Error(`${folder}: no weights found; a Hugging Face model folder holds ${SINGLE_WEIGHTS_FILE} or ${WEIGHTS_INDEX_FILE} with its shards — download them from the model's repository`);
}

function isPlainSafetensorsName(name: string): boolean {
  return name.endsWith('.safetensors') && path.basename(name) === name && !name.includes('\\') && name !== '..' && !name.startsWith('.');
}

function isFile(file: string): boolean {
  return existsSync(file) && statSync(file).isFile();
}
