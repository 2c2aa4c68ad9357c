// The training step as ONNX graphs for any model family (model-family.ts): forward, loss (training-loss.ts), backward,
// then clipping and AdamW on flat buffers (optimizer-update.ts). One micro-batch builds one fused graph; k micro-batches
// build a micro-step graph that adds each micro-batch's gradients into flat sums, and an apply graph that updates.

import { backward } from '../../autodiff/backward.ts';
import { Graph } from '../../graph/graph.ts';
import * as op from '../../graph/ops/index.ts';
import type { Value } from '../../graph/value.ts';
import type { DistillationObjective } from './distillation-loss.ts';
import { flatLayout, type FlatLayout } from './flat-layout.ts';
import type { ModelFamily, ParameterSpec } from './model-family.ts';
import { addFlatStateInputs, addOptimizerUpdate, type OptimizerOptions } from './optimizer-update.ts';
import { trainStepNames } from './step-names.ts';
import { trainingLoss, type TrainingLoss } from './training-loss.ts';

export interface StepGraphOptions extends OptimizerOptions {
  /** Rows of one micro-batch. */
  batch: number;
  /** T, at most the family's context length. */
  time: number;
  /** Micro-batches per optimizer step; the step minimises their mean loss. */
  microBatches: number;
  /** Train a student against a teacher's log-probabilities (training-loss.ts) instead of the targets alone. */
  distillation?: DistillationObjective;
  /**
   * Weigh each target by a `loss.weights` (B, T) input, the loss mask of a chat corpus: each micro-batch's loss is
   * sum(w · nll) / max(sum(w), 1). Without it the loss is the plain mean and the graph has no such input.
   */
  lossWeights?: boolean;
  /**
   * The parameters to train, by name; every other one is a frozen graph input with no gradient and no optimizer
   * state (LoRA trains adapters this way). All of them when omitted.
   */
  trainable?: readonly string[];
  /** Also output the logits and every trained parameter's unclipped gradient (parity tests); one micro-batch only. */
  exposeGradients?: boolean;
}

interface StepParameters {
  /** Where each trained parameter sits in the flat buffers. */
  layout: FlatLayout;
  /** Parameters fed as plain inputs, in the family's order. */
  frozen: readonly ParameterSpec[];
}

/** One micro-batch: forward, backward, clipping and AdamW in one graph. */
export interface FusedStepGraphs extends StepParameters {
  kind: 'fused';
  step: Graph;
}

/** Several micro-batches: `microStep` runs once per micro-batch, then `apply` once. */
export interface AccumulatingStepGraphs extends StepParameters {
  kind: 'accumulating';
  microStep: Graph;
  apply: Graph;
}

export type StepGraphs = FusedStepGraphs | AccumulatingStepGraphs;

export function buildStepGraphs(family: ModelFamily, options: StepGraphOptions): StepGraphs {
  checkOptions(family, options);
  const { trained, frozen } = splitTrainable(family, options.trainable);
  const layout = flatLayout(trained);
  if (options.microBatches === 1) return { kind: 'fused', layout, frozen, step: buildFusedStep(family, layout, options) };
  return { kind: 'accumulating', layout, frozen, microStep: buildMicroStep(family, layout, options), apply: buildApplyStep(family, layout, options) };
}

function buildFusedStep(family: ModelFamily, layout: FlatLayout, options: StepGraphOptions): Graph {
  const graph = new Graph({ name: `${family.name}-train-step` });
  const data = addDataInputs(graph, family, options);
  const state = addFlatStateInputs(graph, layout, options.dtype);
  const pass = addGradientPass(graph, family, layout, data, options);
  const gradNorm = addOptimizerUpdate(graph, state, pass.flatGradients, options);
  addLossOutputs(graph, pass.loss);
  graph.output(gradNorm, trainStepNames.gradNorm);
  return graph;
}

/** new.grad.sum.<flat> = grad.sum.<flat> + d(mean loss of this micro-batch)/d(flat parameters). */
function buildMicroStep(family: ModelFamily, layout: FlatLayout, options: StepGraphOptions): Graph {
  const graph = new Graph({ name: `${family.name}-micro-step` });
  const data = addDataInputs(graph, family, options);
  const pass = addGradientPass(graph, family, layout, data, options);
  layout.groups.forEach((group, index) => {
    const name = trainStepNames.gradientSum(trainStepNames.flatParameters(group.name));
    const runningSum = graph.input(name, options.dtype, [group.size]);
    graph.output(op.add(runningSum, pass.flatGradients[index] as Value), trainStepNames.updated(name));
  });
  addLossOutputs(graph, pass.loss);
  return graph;
}

/**
 * Divides the sums by the micro-batch count, so the update equals one step on all micro-batches joined into one
 * batch (the mean loss over every row), then clips and applies AdamW with the fused graph's own code.
 */
function buildApplyStep(family: ModelFamily, layout: FlatLayout, options: StepGraphOptions): Graph {
  const graph = new Graph({ name: `${family.name}-apply-step` });
  const state = addFlatStateInputs(graph, layout, options.dtype);
  const averaged = layout.groups.map((group) => {
    const runningSum = graph.input(trainStepNames.gradientSum(trainStepNames.flatParameters(group.name)), options.dtype, [group.size]);
    return op.mul(runningSum, op.scalarLike(runningSum, 1 / options.microBatches));
  });
  graph.output(addOptimizerUpdate(graph, state, averaged, options), trainStepNames.gradNorm);
  return graph;
}

interface DataInputs {
  /** int64 (B, T). */
  tokens: Value;
  /** int64 (B, T). */
  targets: Value;
  dropoutMasks: ReadonlyMap<string, Value>;
}

function addDataInputs(graph: Graph, family: ModelFamily, options: StepGraphOptions): DataInputs {
  const tokens = graph.input('tokens', 'int64', [options.batch, options.time]);
  const targets = graph.input('targets', 'int64', [options.batch, options.time]);
  return { tokens, targets, dropoutMasks: family.addDropoutInputs(graph, options.batch, options.time) };
}

interface GradientPass {
  loss: TrainingLoss;
  /** One per flat group, in the layout's order. */
  flatGradients: Value[];
}

/**
 * Every parameter as its own input (the session feeds trained ones as views into the flat buffers), the forward pass,
 * the loss, and the backward pass to the trained parameters, whose gradients are concatenated per flat group.
 */
function addGradientPass(graph: Graph, family: ModelFamily, layout: FlatLayout, data: DataInputs, options: StepGraphOptions): GradientPass {
  const parameters = new Map(family.parameters.map((spec) => [spec.name, graph.input(spec.name, options.dtype, spec.shape)]));
  const forward = family.forward({ tokens: data.tokens, parameters, dropoutMasks: data.dropoutMasks });
  const loss = trainingLoss(graph, forward.flatLogits, data.targets, { distillation: options.distillation, weighted: options.lossWeights === true });
  const names = [...layout.byName.keys()];
  const gradients = backward(graph, loss.loss, names.map((name) => parameters.get(name) as Value));
  const gradientOf = new Map(names.map((name, index) => [name, gradients[index] as Value]));
  if (options.exposeGradients === true) {
    graph.output(forward.logits, trainStepNames.logits);
    for (const [name, gradient] of gradientOf) graph.output(gradient, trainStepNames.gradient(name));
  }
  const flatGradients = layout.groups.map((group) => op.concat(group.entries.map((entry) => op.reshape(gradientOf.get(entry.name) as Value, [entry.size])), 0));
  return { loss, flatGradients };
}

function addLossOutputs(graph: Graph, { loss, parts }: TrainingLoss): void {
  graph.output(loss, trainStepNames.loss);
  for (const [name, part] of parts) graph.output(part, name);
}

function checkOptions(family: ModelFamily, options: StepGraphOptions): void {
  const where = `${family.name} train step`;
  if (!(Number.isInteger(options.microBatches) && options.microBatches >= 1)) throw new Error(`${where}: microBatches (${options.microBatches}) must be a whole number of at least 1`);
  if (options.time > family.contextLength) throw new Error(`${where}: sequence length T (${options.time}) exceeds the context length (${family.contextLength})`);
  if (options.exposeGradients === true && options.microBatches > 1) throw new Error(`${where}: exposeGradients needs a single micro-batch, got ${options.microBatches}`);
}

function splitTrainable(family: ModelFamily, trainable: readonly string[] | undefined): { trained: readonly ParameterSpec[]; frozen: readonly ParameterSpec[] } {
  if (trainable === undefined) return { trained: family.parameters, frozen: [] };
  const wanted = new Set(trainable);
  const known = new Set(family.parameters.map((spec) => spec.name));
  for (const name of wanted) {
    if (!known.has(name)) throw new Error(`${family.name} train step: trainable parameter "${name}" is not a parameter of the model`);
  }
  if (wanted.size === 0) throw new Error(`${family.name} train step: trainable lists no parameter; name at least one, or leave it out to train them all`);
  return { trained: family.parameters.filter((spec) => wanted.has(spec.name)), frozen: family.parameters.filter((spec) => !wanted.has(spec.name)) };
}
