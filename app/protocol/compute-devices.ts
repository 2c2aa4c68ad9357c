// The compute devices the ML core can run its sessions on, named as the pretrain, evaluate and deploy nodes name
// them, with the titles every process shows. Resolving a user's request to one of these is engine/ml/runtime/device.ts;
// mapping one to ORT is engine/ml/runtime/session-options.ts.

export const COMPUTE_DEVICES = ['cpu', 'cuda', 'dml', 'coreml', 'webgpu'] as const;

export type ComputeDevice = (typeof COMPUTE_DEVICES)[number];

/** The devices served by a GPU execution provider: each may be missing on a given machine. */
export type GpuDevice = Exclude<ComputeDevice, 'cpu'>;

export const DEVICE_TITLES: Readonly<Record<ComputeDevice, string>> = {
  cpu: 'CPU',
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
};

export function isComputeDevice(name: string): name is ComputeDevice {
  return (COMPUTE_DEVICES as readonly string[]).includes(name);
}
