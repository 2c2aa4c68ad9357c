// The model node's run over a stub models capability: the source it asks for (a path, or repo and revision), the
// provenance that names a local folder relative to the pipeline, progress, and both outputs' meta.
import { describe, expect, it } from 'vitest';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { NodeProgress } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../capabilities.ts';
import type { ImportedModel, ImportModelHooks, ImportModelRequest } from '../capabilities/models.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { modelRun } from './run.ts';
import { modelConfig, type ModelConfig } from './spec.ts';

const IMPORTED: ImportedModel = {
  architecture: 'GPT2LMHeadModel',
  family: 'gpt2',
  nLayer: 12,
  nHead: 12,
  nEmbd: 768,
  blockSize: 1024,
  vocabSize: 50257,
  parameterCount: 124_439_808,
  sourceDtype: 'F32',
  hasChatTemplate: false,
  files: ['config.json', 'model.safetensors'],
  download: null,
  tokenizer: { kind: 'byte-level-bpe', vocabSize: 50257, hash: 'sha256:abc', specialTokens: ['<|endoftext|>'] },
};

function run(config: Partial<ModelConfig>, imported: ImportedModel = IMPORTED) {
  const requests: ImportModelRequest[] = [];
  const progress: NodeProgress[] = [];
  const models = {
    importModel: async (request: ImportModelRequest, hooks: ImportModelHooks) => {
      requests.push(request);
      hooks.onProgress?.({ stage: 'downloading', file: 'model.safetensors', receivedBytes: 50e6, totalBytes: 100e6 });
      hooks.onProgress?.({ stage: 'importing' });
      return imported;
    },
  };
  const ctx: NodeRunContext<ModelConfig, NodeCapabilities> = {
    runId: 'run-1',
    nodeId: 'base',
    config: modelConfig.parse(config),
    input: () => {
      throw new Error('no inputs');
    },
    inputs: () => [],
    outputDir: (port) => `/staging/${port}`,
    pipelineDir: '/home/me/project',
    dataDir: '/data',
    signal: new AbortController().signal,
    progress: (update) => progress.push(update),
    log: () => undefined,
    capabilities: capabilitiesForTest({ models }),
  };
  return { result: modelRun.run(ctx), requests, progress };
}

describe('modelRun', () => {
  it('imports a local folder into both outputs and records the facts the studio shows', async () => {
    const { result, requests, progress } = run({ path: '/home/me/project/models/gpt2' });
    const { outputs, metrics } = await result;
    expect(requests[0]).toMatchObject({ source: { path: '/home/me/project/models/gpt2' }, dataDir: '/data', modelFolder: '/staging/model', tokenizerFolder: '/staging/tokenizer' });
    expect(requests[0]!.provenance).toMatchObject({ source: { path: 'models/gpt2' }, node: { id: 'base', type: 'model', config: { path: 'models/gpt2' } } });
    expect(outputs.model?.meta).toMatchObject({ architecture: 'gpt2', hfArchitecture: 'GPT2LMHeadModel', parameterCount: 124_439_808, contextLength: 1024, blockSize: 1024, vocabSize: 50257, hasChatTemplate: false, sourceDtype: 'F32', path: 'models/gpt2', tokenizerHash: 'sha256:abc' });
    expect((outputs.model?.meta?.facts as { label: string; value: string }[]).map((fact) => `${fact.label}: ${fact.value}`)).toEqual([
      'Architecture: GPT2LMHeadModel',
      'Parameters: 124.4M',
      'Context: 1,024 tokens',
      'Vocabulary: 50,257',
      'Chat template: no',
    ]);
    expect(outputs.tokenizer?.meta).toEqual({ kind: 'byte-level-bpe', source: 'model', vocabSize: 50257, tokenizerHash: 'sha256:abc', specialTokens: ['<|endoftext|>'], hasChatTemplate: false });
    expect(metrics).toEqual({ parameterCount: 124_439_808, contextLength: 1024, vocabSize: 50257 });
    expect(progress.map((update) => update.message)).toEqual([
      'downloading model.safetensors: 50.0 MB of 100.0 MB',
      'importing the weights and building the ONNX decoder',
      expect.stringContaining('GPT2LMHeadModel: 124,439,808 parameters, context 1024'),
    ]);
  });

  it('downloads a hub repo pinned to a revision and records what it fetched', async () => {
    const download = { files: [{ name: 'config.json', sha256: 'f'.repeat(64), bytes: 665 }], downloaded: true };
    const { result, requests } = run({ repo: 'openai-community/gpt2', revision: 'a'.repeat(40) }, { ...IMPORTED, download, hasChatTemplate: true });
    const { outputs } = await result;
    expect(requests[0]!.source).toEqual({ repo: 'openai-community/gpt2', revision: 'a'.repeat(40) });
    expect(outputs.model?.meta).toMatchObject({ repo: 'openai-community/gpt2', revision: 'a'.repeat(40), sourceFiles: download.files, hasChatTemplate: true });
  });

  it('fails with what to set when the config names no source', async () => {
    await expect(run({}).result).rejects.toThrow('model node "base": set config.path to a Hugging Face model folder, or config.repo and config.revision');
  });
});
