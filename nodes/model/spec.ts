// The model node: brings a pretrained Hugging Face model into the pipeline, from a local folder or a hub repository
// pinned to a commit, as a Crucible Model artifact and the model's own Tokenizer.
import { z } from 'zod';
import { defineNodeSpec, type ConfigProblem, type NodeFact } from '../../app/nodes/spec.ts';
import { secretLocationOf } from '../dataset/secret-paths.ts';

/** What a hub repository id looks like: `name` or `owner/name`, letters, digits, `-`, `_` and `.`. */
const REPO_ID = /^(?:[A-Za-z0-9][\w.-]{0,95}\/)?[A-Za-z0-9][\w.-]{0,95}$/;
/** The architectures the import reads today (config.json `architectures`). */
export const SUPPORTED_MODEL_ARCHITECTURES = ['GPT2LMHeadModel', 'LlamaForCausalLM'] as const;

export const modelConfig = z.strictObject({
  path: z
    .string()
    .max(4096)
    .default('')
    .describe('A local Hugging Face model folder (config.json, model.safetensors, tokenizer.json), relative to the pipeline file; ~ is your home folder. Leave empty to download repo instead.'),
  repo: z
    .string()
    .max(200)
    .refine((value) => value === '' || REPO_ID.test(value), 'must be a hub repository id such as "openai-community/gpt2"')
    .default('')
    .describe('A Hugging Face hub repository id, e.g. openai-community/gpt2, downloaded once into the data directory. Needs revision; leave empty when path is set.'),
  revision: z
    .string()
    .regex(/^(?:[0-9a-f]{40})?$/, 'must be a 40-character commit sha in lowercase hex')
    .default('')
    .describe('The commit sha (40 hex characters) of repo to download, so the model never changes under the pipeline.'),
});

export type ModelConfig = z.output<typeof modelConfig>;

export const modelSpec = defineNodeSpec({
  type: 'model',
  title: 'Model',
  category: 'Models',
  icon: 'cube',
  summary: 'Bring in a pretrained Hugging Face model (a local folder or a pinned hub repository) to fine-tune, evaluate or serve.',
  docs:
    'Reads a Hugging Face model folder: `config.json` (GPT2LMHeadModel, or LlamaForCausalLM such as SmolLM2 — grouped-query attention, RoPE without scaling, a byte-level BPE tokenizer), `model.safetensors` or a sharded `model.safetensors.index.json` in F32, F16 or BF16, `tokenizer.json`, `tokenizer_config.json` and `chat_template.jinja` (the chat template is kept; the .jinja file wins, as in transformers). ' +
    'Models up to about 536M parameters import (the float32 ONNX decoder is one protobuf, limited to 2 GiB): SmolLM2-135M and -360M, GPT-2 small and medium; SmolLM2-1.7B and GPT-2 large are refused before their weights are read. ' +
    'Set `path` to a folder on this machine, or `repo` and `revision` (a commit sha) to download it once into the data directory; offline machines register a copy with `crucible models add DIR --repo ID --revision SHA`. ' +
    'Pickle files (`pytorch_model.bin`) are never loaded. Writes a Crucible model folder (float32 weights and the ONNX decoder), so evaluate, quantize, deploy and export work on it, and the model\'s own tokenizer: connect it to a tokenizer node\'s tokenizer input to encode your text for fine-tuning.',
  version: 1,
  inputs: [],
  outputs: [
    { name: 'model', type: 'Model', title: 'Model', description: 'The imported model as a Crucible model folder.' },
    { name: 'tokenizer', type: 'Tokenizer', title: 'Tokenizer', description: "The model's tokenizer.json and tokenizer_config.json (with its chat template)." },
  ],
  config: modelConfig,
  pathFields: ['path'],
  checkConfig: checkModelConfig,
  facts: modelFacts,
});

function checkModelConfig(config: ModelConfig): ConfigProblem[] {
  const { path, repo, revision } = config;
  if (path !== '' && (repo !== '' || revision !== '')) {
    return [{ field: repo !== '' ? 'repo' : 'revision', message: 'set either path (a model folder on this machine) or repo and revision (a hub download), not both; clear one of them' }];
  }
  if (path === '' && repo === '' && revision === '') {
    return [{ field: 'path', message: 'is empty: set path to a Hugging Face model folder on this machine, or repo and revision to download one from the hub' }];
  }
  if (path !== '') {
    const location = secretLocationOf(path);
    return location ? [{ field: 'path', code: 'secret_source', message: `"${path}" is ${location}, not a model folder; point path at the folder holding config.json and model.safetensors` }] : [];
  }
  if (repo === '') return [{ field: 'repo', message: 'is required with revision: the hub repository id, e.g. "openai-community/gpt2"' }];
  if (revision === '') {
    return [{ field: 'revision', message: `is required with repo: pin the commit sha (40 hex characters) of "${repo}" from its "Files and versions" history, so the model never changes under the pipeline` }];
  }
  return [];
}

/** What the config alone tells; the imported model's own facts (parameters, context…) come with its run's output. */
function modelFacts(config: ModelConfig): NodeFact[] {
  const source: NodeFact =
    config.path !== '' ? { label: 'Source', value: 'local folder', note: config.path } : { label: 'Source', value: `${config.repo} @ ${config.revision.slice(0, 7)}`, note: 'downloaded once into the data directory' };
  return [source, { label: 'Architectures', value: 'GPT-2, Llama', note: `reads ${SUPPORTED_MODEL_ARCHITECTURES.join(', ')} folders; the model's facts show after a run` }];
}
