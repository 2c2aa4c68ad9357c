// Writes the inputs of the GPT-2 PyTorch parity fixtures: initial weights (HF init, with LayerNorms and biases
// perturbed so they matter) and token batches. Then tools/torch_gpt2.py computes the expected results.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSafetensors } from '../engine/ml/export/safetensors.ts';
import { gpt2ParameterSpecs, initGpt2Parameters } from '../engine/ml/gpt2/parameters.ts';
import { PARITY_BATCH, PARITY_CASES, PARITY_CONFIG, PARITY_INPUTS_FILE, PARITY_LEARNING_RATES, PARITY_SEED, parityNames, paritySettings } from '../engine/ml/parity/parity-cases.ts';
import type { HostTensor } from '../engine/ml/tensor/host-tensor.ts';
import { createRandom, type Random } from '../engine/ml/tensor/random.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../engine/ml/parity/fixtures');
/** Spread of the perturbation added to LayerNorm weights (around 1) and biases (around 0). */
const PERTURBATION_STD = 0.05;

function initialWeights(random: Random): Map<string, HostTensor> {
  const parameters = initGpt2Parameters(PARITY_CONFIG, PARITY_SEED);
  for (const spec of gpt2ParameterSpecs(PARITY_CONFIG)) {
    if (spec.init !== 'ones' && spec.init !== 'zeros') continue;
    const data = parameters.get(spec.name)?.data as Float32Array;
    data.forEach((value, index) => (data[index] = value + PERTURBATION_STD * random.normal()));
  }
  return new Map([...parameters].map(([name, tensor]) => [parityNames.initial(name), tensor]));
}

function tokenBatch(random: Random, time: number): HostTensor {
  const count = PARITY_BATCH * time;
  return { dtype: 'int64', shape: [PARITY_BATCH, time], data: BigInt64Array.from({ length: count }, () => BigInt(random.int(PARITY_CONFIG.vocabSize))) };
}

function main(): void {
  const random = createRandom(PARITY_SEED + 1);
  const tensors = initialWeights(random);
  for (const parityCase of PARITY_CASES) {
    PARITY_LEARNING_RATES.forEach((_, step) => {
      tensors.set(parityNames.tokens(parityCase.name, step), tokenBatch(random, parityCase.time));
      tensors.set(parityNames.targets(parityCase.name, step), tokenBatch(random, parityCase.time));
    });
  }
  const file = path.join(FIXTURES, PARITY_INPUTS_FILE);
  writeSafetensors(file, tensors, paritySettings());
  console.log(`wrote ${file}; now run: /usr/bin/python3 tools/torch_gpt2.py ${path.relative(process.cwd(), FIXTURES)}`);
}

main();
