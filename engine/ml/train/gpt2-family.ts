// GPT-2 as a model family for the training step (step/model-family.ts): Hugging Face's parameters and init, HF's
// dropout sites as keep-mask inputs, and the forward pass to logits. Everything after the logits is the step's.

import type { Gpt2Config } from '../gpt2/config.ts';
import { gpt2DropoutSites, sampleDropoutMasks } from '../gpt2/dropout-masks.ts';
import { addGpt2DropoutInputs, buildGpt2Forward } from '../gpt2/forward.ts';
import { gpt2ParameterSpecs, initGpt2Parameters } from '../gpt2/parameters.ts';
import type { ModelFamily } from './step/model-family.ts';

export function gpt2Family(config: Gpt2Config): ModelFamily {
  return {
    name: 'gpt2',
    contextLength: config.blockSize,
    parameters: gpt2ParameterSpecs(config),
    initParameters: (seed, dtype) => initGpt2Parameters(config, seed, dtype),
    addDropoutInputs: (graph, batch, time) => addGpt2DropoutInputs(graph, config, batch, time),
    sampleDropoutMasks: (batch, time, random) => sampleDropoutMasks(gpt2DropoutSites(config, batch, time), config.dropout, random),
    forward: (inputs) => buildGpt2Forward(config, inputs),
  };
}
