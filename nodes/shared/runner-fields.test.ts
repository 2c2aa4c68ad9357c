import { describe, expect, it } from 'vitest';
import { finetuneConfig, finetuneSpec } from '../finetune/spec.ts';
import { pretrainConfig, pretrainSpec } from '../pretrain/spec.ts';

const noUpstream = { upstreamConfig: () => undefined };

describe('runner fields on pretrain and finetune', () => {
  it('default to the ONNX Runtime trainer and show no runner fact', () => {
    const config = pretrainConfig.parse({});
    expect(config).toMatchObject({ runner: 'onnxruntime', nnodes: 1, python: 'python3', precision: 'float32' });
    expect(config.nprocPerNode).toBeUndefined();
    expect(pretrainSpec.checkConfig?.(config)).toEqual([]);
    expect(pretrainSpec.facts?.(config, noUpstream).map((fact) => fact.label)).not.toContain('Runner');
  });

  it('refuse torch-only choices on the ONNX Runtime runner, naming each field', () => {
    const config = pretrainConfig.parse({ nprocPerNode: 2, nnodes: 2, precision: 'bf16' });
    const problems = pretrainSpec.checkConfig?.(config) ?? [];
    expect(problems.map((problem) => problem.field).sort()).toEqual(['nnodes', 'nprocPerNode', 'precision']);
    expect(problems[0]?.message).toMatch(/runner "torch" only/);
  });

  it('refuse ONNX Runtime devices, bf16 on the CPU and a batch that does not split across ranks on torch', () => {
    const config = finetuneConfig.parse({ runner: 'torch', device: 'webgpu', batchSize: 5, nprocPerNode: 2 });
    const problems = finetuneSpec.checkConfig?.(config) ?? [];
    expect(problems.map((problem) => problem.field).sort()).toEqual(['batchSize', 'device']);
    expect(problems.find((problem) => problem.field === 'batchSize')?.message).toMatch(/5 rows cannot be split evenly across 2 ranks/);
    const bf16 = finetuneSpec.checkConfig?.(finetuneConfig.parse({ runner: 'torch', device: 'cpu', precision: 'bf16' })) ?? [];
    expect(bf16).toEqual([{ field: 'precision', message: expect.stringMatching(/bf16 autocast is for GPUs/) }]);
  });

  it('show the torch runner in the facts', () => {
    const config = pretrainConfig.parse({ runner: 'torch', nprocPerNode: 2, python: '/usr/bin/python3', batchSize: 12 });
    expect(pretrainSpec.checkConfig?.(config)).toEqual([]);
    const fact = pretrainSpec.facts?.(config, noUpstream).find((entry) => entry.label === 'Runner');
    expect(fact).toEqual({ label: 'Runner', value: 'PyTorch DDP, 2 ranks on this machine, float32', note: expect.stringContaining('/usr/bin/python3') });
    const auto = finetuneSpec.facts?.(finetuneConfig.parse({ runner: 'torch' }), noUpstream).find((entry) => entry.label === 'Runner');
    expect(auto?.value).toBe('PyTorch DDP, one rank per GPU (else 1) on this machine, float32');
  });
});
