// The training runner fields of pretrain and finetune: Crucible's own ONNX Runtime trainer (the default) or PyTorch
// (torchrun-style DDP ranks on this machine, or a cluster through `crucible launch`). Browser-safe: zod and app/ only.
import { z } from 'zod';
import type { ConfigProblem, NodeFact } from '../../app/nodes/spec.ts';

export const TRAINING_RUNNERS = ['onnxruntime', 'torch'] as const;
export type TrainingRunner = (typeof TRAINING_RUNNERS)[number];

/** Devices the torch runner trains on; `auto` picks CUDA when torch sees a GPU. */
export const TORCH_RUNNER_DEVICES = ['auto', 'cpu', 'cuda'] as const;

/** The inspector shows the torch runner's own fields only while runner is torch (renderer/src/form/schema-fields.ts). */
const torchOnly = { onlyWhen: { runner: ['torch'] } };

export const runnerFields = {
  runner: z
    .enum(TRAINING_RUNNERS)
    .default('onnxruntime')
    .describe('onnxruntime: Crucible’s own trainer, no Python needed. torch: PyTorch with DistributedDataParallel (one process per GPU, or clusters via `crucible launch`), the same model, data order and schedule.'),
  nprocPerNode: z
    .number()
    .int()
    .min(1)
    .max(64)
    .optional()
    .describe('torch runner: processes (ranks) per machine. Empty: one per GPU torch sees, else 1. batchSize is split evenly across all ranks.')
    .meta(torchOnly),
  nnodes: z
    .number()
    .int()
    .min(1)
    .max(4096)
    .default(1)
    .describe('torch runner: machines. More than 1 runs only on a cluster, through `crucible launch` (Slurm or Kubernetes).')
    .meta(torchOnly),
  python: z
    .string()
    .min(1)
    .max(4096)
    .default('python3')
    .describe('torch runner: the Python interpreter that has PyTorch, as a command on PATH or an absolute path (e.g. a virtual environment’s bin/python).')
    .meta(torchOnly),
  precision: z
    .enum(['float32', 'bf16'])
    .default('float32')
    .describe('torch runner: float32, or bf16 autocast on GPUs that support it (weights and optimizer state stay float32).')
    .meta(torchOnly),
};

/** The runner fields' names: the engine takes them out before a config becomes the trainer's settings. */
export type RunnerFieldName = keyof typeof runnerFields;

interface RunnerConfig {
  runner: TrainingRunner;
  nprocPerNode?: number | undefined;
  nnodes: number;
  precision: 'float32' | 'bf16';
  device: string;
  batchSize: number;
}

/** Choices that cannot work together, each naming the field and what to set instead. */
export function checkRunner(config: RunnerConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  if (config.runner === 'onnxruntime') {
    const torchOnly = 'applies to runner "torch" only; set runner to "torch" or remove it';
    if (config.nprocPerNode !== undefined) problems.push({ field: 'nprocPerNode', message: torchOnly });
    if (config.nnodes !== 1) problems.push({ field: 'nnodes', message: torchOnly });
    if (config.precision !== 'float32') problems.push({ field: 'precision', message: `bf16 autocast ${torchOnly}` });
    return problems;
  }
  if (!(TORCH_RUNNER_DEVICES as readonly string[]).includes(config.device)) {
    problems.push({ field: 'device', message: `the torch runner trains on ${TORCH_RUNNER_DEVICES.join(', ')}; "${config.device}" is an ONNX Runtime device — choose one of those, or runner "onnxruntime"` });
  }
  if (config.precision === 'bf16' && config.device === 'cpu') {
    problems.push({ field: 'precision', message: 'bf16 autocast is for GPUs; use float32 on the CPU (or device cuda/auto)' });
  }
  const ranks = (config.nprocPerNode ?? 1) * config.nnodes;
  if (config.batchSize % ranks !== 0) {
    problems.push({ field: 'batchSize', message: `${config.batchSize} rows cannot be split evenly across ${ranks} ranks (nprocPerNode × nnodes); use a multiple of ${ranks}` });
  }
  return problems;
}

/** The runner as the inspector shows it: nothing for the default, the processes and precision for torch. */
export function runnerFacts(config: RunnerConfig & { python: string }): NodeFact[] {
  if (config.runner === 'onnxruntime') return [];
  const perNode = config.nprocPerNode === undefined ? 'one rank per GPU (else 1)' : `${config.nprocPerNode} rank${config.nprocPerNode === 1 ? '' : 's'}`;
  const machines = config.nnodes === 1 ? 'this machine' : `${config.nnodes} machines (crucible launch)`;
  return [{ label: 'Runner', value: `PyTorch DDP, ${perNode} on ${machines}, ${config.precision}`, note: `${config.python} must have torch (the run checks it first and says how to install it)` }];
}
