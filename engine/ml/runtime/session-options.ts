// The one place that turns what the ML core asks of a session (device, threads, optimization) into ONNX Runtime's
// session options. Every session is created from these (session.ts), so trainer, evaluator and inference agree.

import type { InferenceSession } from 'onnxruntime-node';
import type { ComputeDevice } from '../../../app/protocol/compute-devices.ts';

export interface SessionOptions {
  intraOpThreads?: number;
  /** ORT's graph optimization level; 'all' is the default. */
  optimization?: 'disabled' | 'basic' | 'extended' | 'all';
  /**
   * Let idle intra-op threads spin while waiting for work (ORT's default). Off by default: on a busy machine a
   * spinning thread steals the core its peer needs, and a 2-thread training step ran ~2.5x slower (bench/README.md).
   */
  spinning?: boolean;
  /** Where the session runs, already resolved (engine/ml/runtime/device.ts); the CPU by default. */
  device?: ComputeDevice;
  /**
   * How the session holds its intermediate tensors between runs. `'arena'` (ORT's default) keeps them in a CPU arena
   * that grows by powers of two and never shrinks, planned by the memory pattern: right for small, hot inference
   * sessions. `'lean'` turns both off, so each run allocates what it needs and frees it at the end: a training step
   * of GPT-2 small peaked at about half the memory with identical losses (train/README.md, Memory), and a session
   * that sits idle between runs (the loss evaluator, a teacher) holds nothing.
   */
  memory?: 'arena' | 'lean';
}

/**
 * ORT's execution providers for a device. A GPU provider is listed alone: ORT appends its CPU provider by itself and
 * places there each node the GPU provider has no kernel for. Listing 'cpu' too would let onnxruntime-common drop a
 * GPU provider whose backend is missing and run everything on the CPU without an error.
 */
export function executionProvidersFor(device: ComputeDevice): InferenceSession.ExecutionProviderConfig[] {
  switch (device) {
    case 'cpu':
      return ['cpu'];
    case 'cuda':
      return [{ name: 'cuda', deviceId: 0 }];
    case 'dml':
      return [{ name: 'dml', deviceId: 0 }];
    case 'coreml':
      return ['coreml'];
    case 'webgpu':
      return ['webgpu'];
  }
}

export function ortSessionOptions(options: SessionOptions = {}): InferenceSession.SessionOptions {
  return {
    executionProviders: executionProvidersFor(options.device ?? 'cpu'),
    graphOptimizationLevel: options.optimization ?? 'all',
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    ...(options.memory === 'lean' ? { enableCpuMemArena: false, enableMemPattern: false } : {}),
    extra: {
      session: { intra_op: { allow_spinning: options.spinning === true ? '1' : '0' } },
      // Weight gradients transpose their activations on purpose (autodiff/rules/nn.ts); keep ORT from folding the
      // Transpose back into a slower FusedMatMul(transA).
      optimization: { disable_specified_optimizers: 'MatmulTransposeFusion' },
    },
  };
}
