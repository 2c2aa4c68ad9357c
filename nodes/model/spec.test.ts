// The model node's config rules: exactly one source (a folder, or a hub repo pinned to a commit sha), with messages
// that say what to do; a folder in a place that holds secrets is refused; the facts say what the config tells.
import { describe, expect, it } from 'vitest';
import { validate } from '../../app/graph/validate.ts';
import { pipelineSchema } from '../../app/pipeline/schema.ts';
import { builtInRegistry } from '../specs.ts';
import { modelConfig, modelSpec } from './spec.ts';

const SHA = '607a30d783dfa663caf39e06633721c8d4cfcd7e';
const problemsOf = (config: Record<string, unknown>) => modelSpec.checkConfig!(modelConfig.parse(config));

describe('model config', () => {
  it('accepts a folder, or a repo with its revision', () => {
    expect(problemsOf({ path: 'models/gpt2' })).toEqual([]);
    expect(problemsOf({ repo: 'openai-community/gpt2', revision: SHA })).toEqual([]);
    expect(problemsOf({ repo: 'gpt2', revision: SHA })).toEqual([]);
  });

  it('asks for a source when there is none, and for only one when both are set', () => {
    expect(problemsOf({})).toEqual([{ field: 'path', message: expect.stringContaining('set path to a Hugging Face model folder on this machine, or repo and revision') }]);
    expect(problemsOf({ path: 'models/gpt2', repo: 'gpt2', revision: SHA })).toEqual([{ field: 'repo', message: expect.stringContaining('not both') }]);
  });

  it('needs the revision with a repo (a pinned commit), and the repo with a revision', () => {
    expect(problemsOf({ repo: 'openai-community/gpt2' })).toEqual([{ field: 'revision', message: expect.stringContaining('pin the commit sha (40 hex characters) of "openai-community/gpt2"') }]);
    expect(problemsOf({ revision: SHA })).toEqual([{ field: 'repo', message: expect.stringContaining('is required with revision') }]);
  });

  it('refuses a malformed repo id or revision in the schema', () => {
    expect(modelConfig.safeParse({ repo: 'https://huggingface.co/gpt2', revision: SHA }).success).toBe(false);
    expect(modelConfig.safeParse({ repo: 'gpt2', revision: 'main' }).success).toBe(false);
    expect(modelConfig.safeParse({ repo: 'gpt2', revision: SHA.toUpperCase() }).success).toBe(false);
  });

  it('refuses a folder in a place that holds secrets', () => {
    expect(problemsOf({ path: '~/.ssh' })).toEqual([{ field: 'path', code: 'secret_source', message: expect.stringContaining('not a model folder') }]);
  });

  it('shows where the model comes from before it has run', () => {
    expect(modelSpec.facts!(modelConfig.parse({ repo: 'openai-community/gpt2', revision: SHA }), { upstreamConfig: () => undefined })[0]).toEqual({
      label: 'Source',
      value: 'openai-community/gpt2 @ 607a30d',
      note: 'downloaded once into the data directory',
    });
  });

  it('is a Models source with a Model and a Tokenizer output, whose path resolves like a dataset path', () => {
    expect(modelSpec).toMatchObject({ category: 'Models', inputs: [], pathFields: ['path'] });
    expect(modelSpec.outputs.map((port) => `${port.name}:${port.type}`)).toEqual(['model:Model', 'tokenizer:Tokenizer']);
    const graph = pipelineSchema.parse({ format: 'crucible.pipeline', version: 1, name: 'm', nodes: [{ id: 'base', type: 'model', typeVersion: 1, config: {} }], edges: [] });
    expect(validate(graph, builtInRegistry())).toEqual([{ node: 'base', field: 'path', code: 'config_invalid', message: expect.stringContaining('is empty') }]);
  });
});
