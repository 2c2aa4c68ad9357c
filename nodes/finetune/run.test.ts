// The finetune node's run over a stub training capability: what it asks for (model and tokens folders and keys, the
// parsed config, provenance), the progress it forwards, and the meta and metrics of the fine-tuned Model.
import { describe, expect, it } from 'vitest';
import type { NodeRunContext } from '../../app/nodes/run-contract.ts';
import type { TrainingStepReport } from '../../app/artifacts/reports.ts';
import type { LogLevel, NodeProgress } from '../../app/protocol/run-events.ts';
import type { NodeCapabilities } from '../capabilities.ts';
import type { FinetuneConfig, FinetuneRequest, FinetuneResult, TrainingCapability } from '../capabilities/training.ts';
import { capabilitiesForTest } from '../testing/capabilities.ts';
import { finetuneRun } from './run.ts';
import { finetuneConfig } from './spec.ts';

interface Recorded {
  requests: FinetuneRequest[];
  progress: NodeProgress[];
  logs: { line: string; level?: LogLevel }[];
}

const ARTIFACTS = {
  model: { key: 'model-key', type: 'Model' as const, path: '/artifacts/model-key', meta: { nLayer: 12 } },
  tokens: { key: 'tokens-key', type: 'Tokens' as const, path: '/artifacts/tokens-key', meta: {} },
};

function contextFor(training: Partial<TrainingCapability>, recorded: Recorded): NodeRunContext<FinetuneConfig, NodeCapabilities> {
  return {
    runId: 'run-3',
    nodeId: 'finetune-1',
    config: finetuneConfig.parse({ maxSteps: 2 }),
    input: (port) => ARTIFACTS[port as keyof typeof ARTIFACTS],
    inputs: () => [],
    outputDir: (port) => `/staging/${port}`,
    pipelineDir: null,
    dataDir: '/data',
    signal: new AbortController().signal,
    progress: (update) => recorded.progress.push(update),
    log: (line, level) => recorded.logs.push({ line, level }),
    capabilities: capabilitiesForTest({ training: training as TrainingCapability }),
  };
}

const RESULT: FinetuneResult = {
  metrics: { loss: 2.5, valLoss: 2.6, steps: 2 },
  resumedFromStep: null,
  files: ['config.json', 'model.safetensors', 'adapter/adapter_config.json', 'adapter/adapter_model.safetensors'],
  parameterCount: 124_439_808,
  vocabSize: 50_257,
  method: 'lora',
  trainedParameterCount: 294_912,
  shape: { architecture: 'gpt2', nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024 },
  windowSize: 1024,
};

describe('finetuneRun', () => {
  it('asks the training capability to fine-tune the model on the tokens and returns the merged model', async () => {
    const recorded: Recorded = { requests: [], progress: [], logs: [] };
    const finetune: TrainingCapability['finetune'] = async (request, hooks) => {
      recorded.requests.push(request);
      const report: TrainingStepReport = { step: 2, maxSteps: 2, loss: 2.5, gradNorm: 0.4, learningRate: 2e-4, tokensPerSec: 900, etaMs: 0, valLoss: 2.6, trainLoss: 2.5 };
      hooks.onStep(report);
      return RESULT;
    };
    const result = await finetuneRun.run(contextFor({ finetune }, recorded));
    const [request] = recorded.requests;
    expect(request).toMatchObject({ modelFolder: '/artifacts/model-key', modelKey: 'model-key', tokensFolder: '/artifacts/tokens-key', tokensKey: 'tokens-key', dataDir: '/data', outputFolder: '/staging/model' });
    expect(request?.config).toMatchObject({ method: 'lora', loraRank: 8, loraAlpha: 16, maxSteps: 2, learningRate: 2e-4 });
    expect(request?.provenance).toMatchObject({ runId: 'run-3', node: { id: 'finetune-1', type: 'finetune' }, inputs: { model: { key: 'model-key' }, tokens: { key: 'tokens-key' } } });
    expect(recorded.progress.at(-1)).toMatchObject({ step: 2, fraction: 1, metrics: { valLoss: 2.6 } });
    expect(result.outputs.model?.meta).toMatchObject({ architecture: 'gpt2', nLayer: 12, nEmbd: 768, blockSize: 1024, vocabSize: 50_257, parameterCount: 124_439_808, files: RESULT.files, finetune: { method: 'lora', trainedParameterCount: 294_912, windowSize: 1024, baseModelKey: 'model-key' } });
    expect(result.metrics).toEqual({ ...RESULT.metrics, parameterCount: 124_439_808, trainedParameterCount: 294_912 });
    expect(recorded.logs.map((entry) => entry.line)).toContain('LoRA fine-tuning trained 294,912 of 124,439,808 parameters (0.24%) on windows of 1024 tokens');
  });

  it('records the base model\'s family in the artifact (a Llama stays a Llama)', async () => {
    const llama: FinetuneResult = { ...RESULT, shape: { ...RESULT.shape, architecture: 'llama' } };
    const result = await finetuneRun.run(contextFor({ finetune: async () => llama }, { requests: [], progress: [], logs: [] }));
    expect(result.outputs.model?.meta).toMatchObject({ architecture: 'llama', nLayer: 12 });
  });
});
