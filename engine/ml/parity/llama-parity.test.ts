// Checks Crucible's float32 Llama training step against PyTorch fixtures (tools/torch_llama.py, float64 reference; GQA
// with 4 query heads over 2 key/value heads, tied head): loss, logits, every parameter's gradient, and the weights after
// three clipped AdamW steps (fused, and accumulated over two micro-batches), with T = and < block.
// Tolerance 1e-4, measured as the GPT-2 parity test measures it (relative-error.ts).
// Regenerate: npx tsx tools/write-llama-parity-inputs.ts, then /usr/bin/python3 tools/torch_llama.py engine/ml/parity/fixtures.

import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readSafetensors } from '../export/safetensors.ts';
import { llamaParameterSpecs } from '../llama/parameters.ts';
import { createModelSession } from '../runtime/session.ts';
import { hostTensor, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { llamaFamily } from '../train/llama-family.ts';
import { splitBatch } from '../train/memory-plan.ts';
import { FlatStepState } from '../train/step/flat-step-state.ts';
import { buildStepGraphs } from '../train/step/step-graphs.ts';
import { TrainStepSession } from '../train/step/step-session.ts';
import { trainStepNames } from '../train/step/step-names.ts';
import { LLAMA_PARITY_CONFIG, LLAMA_PARITY_EXPECTED_FILE, LLAMA_PARITY_INPUTS_FILE } from './llama-parity-cases.ts';
import { PARITY_BATCH, PARITY_CASES, PARITY_GRAD_CLIP, PARITY_LEARNING_RATES, PARITY_LOGIT_ROWS, PARITY_OPTIMIZER, parityNames, type ParityCase } from './parity-cases.ts';
import { maxRelativeError, normRelativeError } from './relative-error.ts';

const TOLERANCE = 1e-4;
const FIXTURES = path.join(path.dirname(fileURLToPath(import.meta.url)), 'fixtures');
const inputs = readSafetensors(path.join(FIXTURES, LLAMA_PARITY_INPUTS_FILE)).tensors;
const expected = readSafetensors(path.join(FIXTURES, LLAMA_PARITY_EXPECTED_FILE)).tensors;
const parameterNames = llamaParameterSpecs(LLAMA_PARITY_CONFIG).map((spec) => spec.name);

function fixture(tensors: Map<string, HostTensor>, name: string): HostTensor {
  const tensor = tensors.get(name);
  if (tensor === undefined) throw new Error(`parity fixture "${name}" is missing; regenerate with tools/write-llama-parity-inputs.ts and tools/torch_llama.py`);
  return tensor;
}

function output(results: Record<string, HostTensor>, name: string): HostTensor {
  const tensor = results[name];
  if (tensor === undefined) throw new Error(`the step graph has no output "${name}"`);
  return tensor;
}

const valuesOf = (tensor: HostTensor | number[]): number[] => (Array.isArray(tensor) ? tensor : numbersOf(tensor));

function expectElementsClose(label: string, actual: HostTensor | number[], reference: HostTensor): void {
  const worst = maxRelativeError(valuesOf(actual), numbersOf(reference));
  expect(worst.error, `${label}: element ${worst.index} is ${worst.actual}, torch has ${worst.expected}`).toBeLessThanOrEqual(TOLERANCE);
}

function expectNormClose(label: string, actual: HostTensor, reference: HostTensor): void {
  expect(normRelativeError(valuesOf(actual), numbersOf(reference)), `${label}: norm-wise relative error`).toBeLessThanOrEqual(TOLERANCE);
}

const initialWeights = (): Map<string, HostTensor> => new Map(parameterNames.map((name) => [name, fixture(inputs, parityNames.initial(name))]));
const stepOptions = (parityCase: ParityCase) => ({
  batch: PARITY_BATCH,
  microBatches: 1,
  time: parityCase.time,
  dtype: 'float32' as const,
  optimizer: PARITY_OPTIMIZER,
  gradClip: PARITY_GRAD_CLIP,
});

describe.each(PARITY_CASES)('Llama step against PyTorch, case $name (T = $time, blockSize 16)', (parityCase) => {
  const batch = (step: number) => ({
    tokens: fixture(inputs, parityNames.tokens(parityCase.name, step)),
    targets: fixture(inputs, parityNames.targets(parityCase.name, step)),
  });

  it('matches the loss, the logits and the gradient of every parameter', async () => {
    const graphs = buildStepGraphs(llamaFamily(LLAMA_PARITY_CONFIG), { ...stepOptions(parityCase), exposeGradients: true });
    if (graphs.kind !== 'fused') throw new Error('one micro-batch builds the fused step');
    const session = await createModelSession(graphs.step.toBytes());
    const state = FlatStepState.fromParameters(graphs.layout, initialWeights(), 'float32');
    const scalars = { [trainStepNames.learningRate]: hostTensor('float32', [], [0]), [trainStepNames.step]: hostTensor('float32', [], [1]) };
    const results = await session.run({ ...state.flatFeeds(), ...state.parameterFeeds(), ...batch(0), ...scalars });
    await session.release();

    const firstLoss = numbersOf(fixture(expected, parityNames.loss(parityCase.name)))[0] as number;
    expectElementsClose('loss', output(results, trainStepNames.loss), hostTensor('float32', [], [firstLoss]));
    const logits = numbersOf(output(results, trainStepNames.logits)).slice(0, PARITY_LOGIT_ROWS * LLAMA_PARITY_CONFIG.vocabSize);
    expectElementsClose('logits', logits, fixture(expected, parityNames.logits(parityCase.name)));
    for (const name of parameterNames) {
      expectElementsClose(`gradient of ${name}`, output(results, trainStepNames.gradient(name)), fixture(expected, parityNames.gradient(parityCase.name, name)));
    }
  });

  // Two micro-batches of half the rows must give torch's update on the whole batch.
  it.each([1, 2])('matches losses, gradient norms and weights over three clipped AdamW steps (%i micro-batches)', async (microBatches) => {
    const options = { ...stepOptions(parityCase), batch: PARITY_BATCH / microBatches, microBatches, seed: 0, initialParameters: initialWeights() };
    const trainer = await TrainStepSession.create(llamaFamily(LLAMA_PARITY_CONFIG), options);
    const results = [];
    for (const [step, learningRate] of PARITY_LEARNING_RATES.entries()) results.push(await trainer.step(splitBatch(batch(step), microBatches), learningRate));
    const after = trainer.parameters;
    await trainer.release();

    expectElementsClose('losses', results.map((result) => result.loss), fixture(expected, parityNames.loss(parityCase.name)));
    const norms = results.map((result) => result.gradNorm);
    expect(Math.max(...norms), 'the fixture should clip at least one step').toBeGreaterThan(PARITY_GRAD_CLIP);
    expectElementsClose('gradient norms', norms, fixture(expected, parityNames.gradNorm(parityCase.name)));
    for (const name of parameterNames) {
      expectNormClose(`${name} after ${PARITY_LEARNING_RATES.length} steps`, after.get(name) as HostTensor, fixture(expected, parityNames.afterSteps(parityCase.name, name)));
    }
  });
});
