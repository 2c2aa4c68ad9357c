// The seam between a model and the training step: what a model family tells the step builder (its parameters, its
// dropout inputs, its forward pass from tokens to logits). Loss, backward, clipping and AdamW belong to the step.

import type { Graph } from '../../graph/graph.ts';
import type { Value } from '../../graph/value.ts';
import type { HostTensor } from '../../tensor/host-tensor.ts';
import type { Random } from '../../tensor/random.ts';

export type FloatDType = 'float32' | 'float64';

/** One weight tensor of a model. */
export interface ParameterSpec {
  name: string;
  shape: readonly number[];
  /** AdamW's decoupled weight decay applies to it (GPT-2: tensors with two or more dims). */
  decays: boolean;
}

export interface ForwardInputs {
  /** Token ids, int64 (B, T). */
  tokens: Value;
  /** Every parameter by name, trainable and frozen alike. */
  parameters: ReadonlyMap<string, Value>;
  /** The keep-masks `addDropoutInputs` declared, by name. */
  dropoutMasks: ReadonlyMap<string, Value>;
  /**
   * Terms added to linear layers' outputs, keyed by the layer's weight prefix (e.g. "transformer.h.0.attn.c_attn"):
   * each maps the layer's input rows to a term of its output's shape. LoRA's family passes its adapters here.
   */
  linearAdapters?: ReadonlyMap<string, (x: Value) => Value>;
}

export interface ForwardOutputs {
  /** (B, T, V). */
  logits: Value;
  /** The same logits as (B*T, V) rows, the shape the losses work on. */
  flatLogits: Value;
}

export interface ModelFamily {
  /** Names the step graphs ("gpt2-train-step") and starts their error messages. */
  readonly name: string;
  /** The longest sequence T the forward pass takes. */
  readonly contextLength: number;
  /** Every parameter, in the order the flat optimizer buffers pack them. */
  readonly parameters: readonly ParameterSpec[];
  /** Fresh weights for a seed, one tensor per parameter; the same seed always gives the same weights. */
  initParameters(seed: number, dtype: FloatDType): Map<string, HostTensor>;
  /** Declares the dropout keep-masks a training forward over B rows of T reads; none when dropout is off. */
  addDropoutInputs(graph: Graph, batch: number, time: number): ReadonlyMap<string, Value>;
  /** Draws one micro-batch's keep-masks, keyed by the input names `addDropoutInputs` declared. */
  sampleDropoutMasks(batch: number, time: number, random: Random): Record<string, HostTensor>;
  forward(inputs: ForwardInputs): ForwardOutputs;
}
