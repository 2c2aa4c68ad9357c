// The model node's cache fingerprint and its check on this machine. The fingerprint hashes the files of the model
// folder that the import reads (config, tokenizer, safetensors), so an edited or replaced model re-runs the node; a hub
// source is pinned to a commit, which its config already names. The check refuses a folder whose real path (through
// symbolic links) is in a place that holds secrets.
import { createHash } from 'node:crypto';
import { readdir, realpath } from 'node:fs/promises';
import path from 'node:path';
import type { FingerprintContext, NodeCheckProblem } from '../../app/nodes/run-contract.ts';
import { secretLocationOf } from '../dataset/secret-paths.ts';
import { hashSourceFile } from '../dataset/source-digests.ts';
import type { ModelConfig } from './spec.ts';

/**
 * Files of a Hugging Face model folder the import reads (chat_template.jinja holds newer models' chat template); others
 * (README, pickles, TF/Flax weights) do not change the result.
 */
const READ_FILES = new Set(['config.json', 'generation_config.json', 'tokenizer.json', 'tokenizer_config.json', 'chat_template.jinja', 'special_tokens_map.json', 'model.safetensors.index.json']);
const isReadFile = (name: string): boolean => READ_FILES.has(name) || name.endsWith('.safetensors');

export async function modelFingerprint(context: FingerprintContext<ModelConfig>): Promise<string> {
  const { config } = context;
  if (config.path === '') return `hub\0${config.repo}\0${config.revision}`;
  const digest = createHash('sha256');
  const entries = await readdir(config.path, { withFileTypes: true }).catch(() => null);
  // A missing folder fails the run, with its reason; the fingerprint only has to differ from any real content.
  if (entries === null) return `missing\0${config.path}`;
  const files = entries.filter((entry) => (entry.isFile() || entry.isSymbolicLink()) && isReadFile(entry.name)).map((entry) => entry.name).sort();
  for (const name of files) {
    context.signal.throwIfAborted();
    digest.update(`${name}\0${await hashSourceFile(path.join(config.path, name))}\n`);
  }
  return digest.digest('hex');
}

export function checkModelFolder(context: FingerprintContext<ModelConfig>): Promise<NodeCheckProblem[]> {
  return checkModelFolderPath(context.config.path, 'path');
}

/** A model folder named by `field` (empty: none), refused when its real path is in a place that holds secrets. */
export async function checkModelFolderPath(shown: string, field: string): Promise<NodeCheckProblem[]> {
  if (shown === '') return [];
  const real = await realpath(shown).catch(() => null);
  const location = secretLocationOf(path.resolve(shown)) ?? (real === null ? null : secretLocationOf(real));
  if (location === null) return [];
  const leads = real !== null && real !== path.resolve(shown) ? ` (it leads to "${real}")` : '';
  return [{ field, code: 'secret_source', severity: 'error', message: `"${shown}"${leads} is ${location}, not a model folder; point ${field} at the folder holding config.json and model.safetensors` }];
}
