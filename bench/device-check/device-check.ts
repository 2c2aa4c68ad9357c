// The device check: a few GPT-2 training steps on every execution provider this onnxruntime-node can load, with
// tokens/s beside the CPU's. Runs from the repo (`node --import tsx bench/device-check/device-check.ts`) or, bundled
// by package.sh, on a GPU server that has no Node.js installed.
import os from 'node:os';
import { gpt2Config, type Gpt2Config } from '../../engine/ml/gpt2/config.ts';
import { gpt2Family } from '../../engine/ml/train/gpt2-family.ts';
import { TrainStepSession } from '../../engine/ml/train/step/step-session.ts';
import { COMPUTE_DEVICES, isComputeDevice, type ComputeDevice } from '../../app/protocol/compute-devices.ts';
import { hostTensor } from '../../engine/ml/tensor/host-tensor.ts';
import { createRandom } from '../../engine/ml/tensor/random.ts';

interface Workload {
  name: string;
  config: Gpt2Config;
  batch: number;
}

const WORKLOADS: Workload[] = [
  { name: 'nanoGPT CPU 4/4/128, block 64, batch 12', config: gpt2Config({ vocabSize: 65, nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64, dropout: 0 }), batch: 12 },
  { name: '10.7M 6/6/384, block 256, batch 16', config: gpt2Config({ vocabSize: 65, nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0 }), batch: 16 },
];
const PROVIDERS = (process.env.DEVICE_CHECK_PROVIDERS ?? 'cpu,webgpu,cuda').split(',').map(deviceNamed);
const STEPS = Number(process.env.DEVICE_CHECK_STEPS ?? 8);
const THREADS = Number(process.env.DEVICE_CHECK_THREADS ?? Math.min(8, os.availableParallelism()));

function deviceNamed(name: string): ComputeDevice {
  if (isComputeDevice(name)) return name;
  throw new Error(`DEVICE_CHECK_PROVIDERS: "${name}" is not a device; use a comma-separated list of ${COMPUTE_DEVICES.join(', ')}`);
}

async function measure(workload: Workload, provider: ComputeDevice): Promise<{ msPerStep: number; tokensPerSec: number; firstLoss: number; lastLoss: number } | { error: string }> {
  let session: TrainStepSession | undefined;
  try {
    session = await TrainStepSession.create(gpt2Family(workload.config), {
      batch: workload.batch,
      microBatches: 1,
      time: workload.config.blockSize,
      dtype: 'float32',
      optimizer: { beta1: 0.9, beta2: 0.99, epsilon: 1e-8, weightDecay: 0.1 },
      gradClip: 1,
      seed: 1337,
      intraOpThreads: THREADS,
      device: provider,
    });
    const random = createRandom(7);
    const { batch } = workload;
    const time = workload.config.blockSize;
    const tokens = hostTensor('int64', [batch, time], Array.from({ length: batch * time }, () => random.int(workload.config.vocabSize)));
    const targets = hostTensor('int64', [batch, time], Array.from({ length: batch * time }, () => random.int(workload.config.vocabSize)));
    const first = await session.step([{ tokens, targets }], 1e-3); // warm-up: kernels, allocations
    const times: number[] = [];
    let last = first;
    for (let i = 0; i < STEPS; i++) {
      const began = performance.now();
      last = await session.step([{ tokens, targets }], 1e-3);
      times.push(performance.now() - began);
    }
    times.sort((a, b) => a - b);
    const msPerStep = times[Math.floor(times.length / 2)]!;
    return { msPerStep, tokensPerSec: (batch * time * 1000) / msPerStep, firstLoss: first.loss, lastLoss: last.loss };
  } catch (error) {
    return { error: (error instanceof Error ? error.message : String(error)).replace(/\s+/g, ' ').slice(-200) };
  } finally {
    await session?.release().catch(() => undefined);
  }
}

console.log(`device check: ${os.cpus()[0]?.model ?? 'cpu'} × ${os.availableParallelism()}, ${THREADS} threads, ${STEPS} timed steps (median)`);
console.log('| workload | provider | ms/step | tokens/s | vs CPU | loss first → last |');
console.log('|---|---|---|---|---|---|');
for (const workload of WORKLOADS) {
  let cpuTokensPerSec: number | undefined;
  for (const provider of PROVIDERS) {
    const result = await measure(workload, provider);
    if ('error' in result) {
      console.log(`| ${workload.name} | ${provider} | — | — | — | unavailable: ${result.error} |`);
      continue;
    }
    if (provider === 'cpu') cpuTokensPerSec = result.tokensPerSec;
    const ratio = cpuTokensPerSec ? `${(result.tokensPerSec / cpuTokensPerSec).toFixed(2)}×` : '—';
    console.log(`| ${workload.name} | ${provider} | ${result.msPerStep.toFixed(1)} | ${Math.round(result.tokensPerSec)} | ${ratio} | ${result.firstLoss.toFixed(3)} → ${result.lastLoss.toFixed(3)} |`);
  }
}
