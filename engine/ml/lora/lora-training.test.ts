// LoRA training through TrainStepSession, as the finetune node runs it: base weights as `initialParameters`, only the
// adapters trainable (with adapter dropout). The loss falls, base weights stay bit for bit, and the merged model
// scores the trained loss; only the adapters and their Adam moments are state.

import { describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { gpt2ParameterSpecs } from '../gpt2/parameters.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { LossEvaluator } from '../train/loss-evaluator.ts';
import { splitBatch } from '../train/memory-plan.ts';
import { trainStepNames } from '../train/step/step-names.ts';
import { TrainStepSession } from '../train/step/step-session.ts';
import { loraFamily } from './lora-family.ts';
import { initLoraAdapters, loraAdapterNames, type LoraOptions } from './lora-parameters.ts';
import { mergeLora } from './merge.ts';
import { randomBatch, spreadParameters } from './testing/lora-support.ts';

const config = gpt2Config({ vocabSize: 13, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 8 });
const options: LoraOptions = { rank: 4, alpha: 8, dropout: 0.1, targets: ['attn.c_attn', 'mlp.c_fc'] };
const [ROWS, TIME] = [4, 8];

describe('LoRA training steps', () => {
  for (const microBatches of [1, 2]) {
    it(`lowers the loss and leaves every base weight unchanged (${microBatches} micro-batches)`, async () => {
      // Stands in for imported weights; spread wider than GPT-2's init, whose tiny tied head caps how far logits can move.
      const spread = spreadParameters(config, options, 11, 'float32');
      const base = new Map(gpt2ParameterSpecs(config).map((spec) => [spec.name, spread.get(spec.name) as HostTensor]));
      const trainable = loraAdapterNames(config, options);
      const initialParameters = new Map([...base, ...initLoraAdapters(config, options, 12)]);
      const trainer = await TrainStepSession.create(loraFamily(config, options), {
        batch: ROWS / microBatches, time: TIME, microBatches, dtype: 'float32', seed: 3, gradClip: 1,
        optimizer: { beta1: 0.9, beta2: 0.999, epsilon: 1e-8, weightDecay: 0 }, initialParameters, trainable,
      });
      const evaluator = await LossEvaluator.create(config, { batch: ROWS, time: TIME }, 1);
      const batch = randomBatch(config, ROWS, TIME, 4);
      const before = await evaluator.batchLoss(base, batch);
      const losses: number[] = [];
      for (let step = 0; step < 25; step++) losses.push((await trainer.step(splitBatch(batch, microBatches), 3e-2)).loss);
      const after = trainer.parameters;
      const merged = await evaluator.batchLoss(mergeLora(config, after, options), batch);

      expect(losses[0]).toBeCloseTo(before, 5); // B = 0: the adapters add nothing yet, whatever their dropout masks
      expect(merged).toBeLessThan(before - 1); // measured: 4.80 -> ~1.2
      expect(losses.at(-1)).toBeLessThan(before - 1);
      for (const [name, tensor] of base) expect(after.get(name)?.data, name).toEqual(tensor.data);
      for (const name of trainable.filter((entry) => entry.endsWith('lora_B'))) expect(after.get(name)?.data.some((value) => value !== 0), name).toBe(true);
      expect([...trainer.exportState().tensors.keys()].sort()).toEqual(trainable.flatMap((name) => [name, trainStepNames.firstMoment(name), trainStepNames.secondMoment(name)]).sort());
      await Promise.all([trainer.release(), evaluator.release()]);
    });
  }
});
