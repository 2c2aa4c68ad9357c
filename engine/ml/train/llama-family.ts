// Llama as a model family for the training step (step/model-family.ts): Hugging Face's parameters and init, the
// attention dropout sites as keep-mask inputs, and the forward pass to logits. Everything after the logits is the step's.

import { sampleDropoutMasks } from '../gpt2/dropout-masks.ts';
import type { LlamaConfig } from '../llama/config.ts';
import { addLlamaDropoutInputs, buildLlamaForward, llamaDropoutSites } from '../llama/forward.ts';
import { initLlamaParameters, llamaParameterSpecs } from '../llama/parameters.ts';
import type { ModelFamily } from './step/model-family.ts';

export function llamaFamily(config: LlamaConfig): ModelFamily {
  return {
    name: 'llama',
    contextLength: config.blockSize,
    parameters: llamaParameterSpecs(config),
    initParameters: (seed, dtype) => initLlamaParameters(config, seed, dtype),
    addDropoutInputs: (graph, batch, time) => addLlamaDropoutInputs(graph, config, batch, time),
    sampleDropoutMasks: (batch, time, random) => sampleDropoutMasks(llamaDropoutSites(config, batch, time), config.dropout, random),
    forward: (inputs) => buildLlamaForward(config, inputs),
  };
}
