// Which files of a Hugging Face model folder Crucible takes: the config, the tokenizer files and safetensors weights
// (one file, or an index and the shards it names). Pickle weights (*.bin, *.pt, …) are never taken: they can run code.
import { parseJsonText } from '../files/json-text.ts';

export const REQUIRED_FILES = ['config.json', 'tokenizer.json'] as const;
/** chat_template.jinja: newer transformers save the chat template there (not in tokenizer_config.json), and it wins. */
export const OPTIONAL_FILES = ['generation_config.json', 'tokenizer_config.json', 'chat_template.jinja', 'special_tokens_map.json'] as const;
export const SAFETENSORS_FILE = 'model.safetensors';
export const SAFETENSORS_INDEX = 'model.safetensors.index.json';

const PICKLE_FILE = /\.(bin|pt|ckpt|pth|pkl)$/i;
/** A shard name from an index: a plain file name in the same folder, never a path. */
const SHARD_NAME = /^[A-Za-z0-9_-][A-Za-z0-9._-]*\.safetensors$/;

/** Where the files come from, for messages: the hub (`describe` = "repo@sha") or a local folder. */
export interface FileSource {
  kind: 'hub' | 'folder';
  describe: string;
}

export interface ModelFilePlan {
  /** Files to take by name (the index, when sharded, but not yet its shards). */
  files: string[];
  /** True when the weights are sharded: read SAFETENSORS_INDEX, then take shardsFromIndex(...). */
  sharded: boolean;
}

/** The files to take from a folder listing (root-level names), or a clear error saying what is missing. */
export function planModelFiles(names: readonly string[], source: FileSource): ModelFilePlan {
  const present = new Set(names);
  for (const required of REQUIRED_FILES) {
    if (!present.has(required)) throw new Error(`${where(source)} has no ${required}; ${missingRemedy(required, source)}`);
  }
  const optional = OPTIONAL_FILES.filter((name) => present.has(name));
  if (present.has(SAFETENSORS_FILE)) return { files: [...REQUIRED_FILES, ...optional, SAFETENSORS_FILE], sharded: false };
  if (present.has(SAFETENSORS_INDEX)) return { files: [...REQUIRED_FILES, ...optional, SAFETENSORS_INDEX], sharded: true };
  const pickles = names.filter((name) => PICKLE_FILE.test(name));
  if (pickles.length > 0) throw new Error(pickleOnlyMessage(pickles, source));
  throw new Error(`${where(source)} has no safetensors weights (${SAFETENSORS_FILE} or ${SAFETENSORS_INDEX}); ${source.kind === 'hub' ? 'pick a repo or revision that has them' : 'give the folder of a Hugging Face model saved with safetensors'}`);
}

/** The shard file names a model.safetensors.index.json names in its weight_map, sorted and without repeats. */
export function shardsFromIndex(indexText: string, source: FileSource): string[] {
  const parsed = parseJsonText(indexText);
  const weightMap = parsed.ok ? (parsed.value as { weight_map?: unknown } | null)?.weight_map : undefined;
  const fail = (problem: string) => new Error(`${where(source)}: ${SAFETENSORS_INDEX} ${problem}; the index is damaged: download the repo revision again or re-save the model`);
  if (!parsed.ok) throw fail(`is ${parsed.problem}`);
  if (typeof weightMap !== 'object' || weightMap === null || Array.isArray(weightMap)) throw fail('has no "weight_map" object');
  const shards = new Set<string>();
  for (const [tensor, shard] of Object.entries(weightMap)) {
    if (typeof shard !== 'string' || !SHARD_NAME.test(shard)) throw fail(`maps tensor "${tensor}" to ${JSON.stringify(shard)}, which is not a .safetensors file name in the same folder`);
    shards.add(shard);
  }
  if (shards.size === 0) throw fail('names no shards');
  return [...shards].sort();
}

function where(source: FileSource): string {
  return source.kind === 'hub' ? `hub repo ${source.describe}` : `folder "${source.describe}"`;
}

function missingRemedy(file: string, source: FileSource): string {
  const what = file === 'config.json' ? 'the model config' : 'the tokenizer (a tokenizers-library tokenizer.json)';
  if (source.kind === 'hub') return `Crucible needs ${what}: pick a repo (or a revision of it) that has ${file}`;
  return `Crucible needs ${what}: give the folder of a Hugging Face model that has ${file} (save_pretrained writes it)`;
}

function pickleOnlyMessage(pickles: string[], source: FileSource): string {
  const listed = pickles.slice(0, 3).join(', ') + (pickles.length > 3 ? ', …' : '');
  const head = `${where(source)} has its weights only as pickle files (${listed}); pickle files are never loaded because they can run code.`;
  if (source.kind === 'hub') {
    return `${head} Pin a revision of the repo that has ${SAFETENSORS_FILE} (the hub's safetensors conversion often sits in a pull request: use that commit's sha), or convert a local copy to safetensors and register it with crucible models add`;
  }
  return `${head} Convert the folder to safetensors where you trust the file, for example: python -c "from transformers import AutoModelForCausalLM as M; M.from_pretrained('DIR').save_pretrained('OUT', safe_serialization=True)", then register OUT`;
}
