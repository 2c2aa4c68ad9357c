// Writes the inputs of the Llama PyTorch parity fixtures: initial weights (HF init, with the RMSNorm weights perturbed
// so they matter) and token batches. Then tools/torch_llama.py computes the expected results.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '../engine/ml/export/safetensors.ts';
import { initLlamaParameters, llamaParameterSpecs } from '../engine/ml/llama/parameters.ts';
import { LLAMA_PARITY_CONFIG, LLAMA_PARITY_INPUTS_FILE, LLAMA_PARITY_SEED, llamaParitySettings } from '../engine/ml/parity/llama-parity-cases.ts';
import { PARITY_BATCH, PARITY_CASES, PARITY_LEARNING_RATES, parityNames } from '../engine/ml/parity/parity-cases.ts';
import type { HostTensor } from '../engine/ml/tensor/host-tensor.ts';
import { createRandom, type Random } from '../engine/ml/tensor/random.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../engine/ml/parity/fixtures');
/** Spread of the perturbation added to the RMSNorm weights (around 1) and any biases (around 0). */
const PERTURBATION_STD = 0.05;

function initialWeights(random: Random): Map<string, HostTensor> {
  const parameters = initLlamaParameters(LLAMA_PARITY_CONFIG, LLAMA_PARITY_SEED);
  for (const spec of llamaParameterSpecs(LLAMA_PARITY_CONFIG)) {
    if (spec.init === 'normal') continue;
    const data = parameters.get(spec.name)?.data as Float32Array;
    data.forEach((value, index) => (data[index] = value + PERTURBATION_STD * random.normal()));
  }
  return new Map([...parameters].map(([name, tensor]) => [parityNames.initial(name), tensor]));
}

function tokenBatch(random: Random, time: number): HostTensor {
  const count = PARITY_BATCH * time;
  return { dtype: 'int64', shape: [PARITY_BATCH, time], data: BigInt64Array.from({ length: count }, () => BigInt(random.int(LLAMA_PARITY_CONFIG.vocabSize))) };
}

function main(): void {
  const random = createRandom(LLAMA_PARITY_SEED + 1);
  const tensors = initialWeights(random);
  for (const parityCase of PARITY_CASES) {
    PARITY_LEARNING_RATES.forEach((_, step) => {
      tensors.set(parityNames.tokens(parityCase.name, step), tokenBatch(random, parityCase.time));
      tensors.set(parityNames.targets(parityCase.name, step), tokenBatch(random, parityCase.time));
    });
  }
  const file = path.join(FIXTURES, LLAMA_PARITY_INPUTS_FILE);
  writeSafetensors(file, tensors, llamaParitySettings());
  console.log(`wrote ${file}; now run: /usr/bin/python3 tools/torch_llama.py ${path.relative(process.cwd(), FIXTURES)}`);
}

main();
