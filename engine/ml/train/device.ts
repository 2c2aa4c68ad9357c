// Which execution provider a training or evaluation job runs on. The trainer's sessions use ONNX Runtime's CPU
// provider today; every other request falls back to the CPU with a notice saying so and why.

export type RequestedDevice = 'auto' | 'cpu' | 'cuda' | 'webgpu' | 'dml' | 'coreml';

export interface ResolvedDevice {
  device: 'cpu';
  /** Shown to the user (a warning when a specific device was requested), null when the CPU was asked for. */
  notice: string | null;
}

const DEVICE_NAMES: Record<Exclude<RequestedDevice, 'auto' | 'cpu'>, string> = {
  cuda: 'CUDA',
  webgpu: 'WebGPU',
  dml: 'DirectML',
  coreml: 'CoreML',
};

export function resolveDevice(requested: RequestedDevice): ResolvedDevice {
  if (requested === 'cpu') return { device: 'cpu', notice: null };
  if (requested === 'auto') return { device: 'cpu', notice: 'device auto: running on the CPU; GPU execution providers are not wired into the trainer yet' };
  return {
    device: 'cpu',
    notice: `device "${requested}": the ${DEVICE_NAMES[requested]} execution provider is not available to the trainer yet, so this run falls back to the CPU; set device to "cpu" to silence this warning`,
  };
}
