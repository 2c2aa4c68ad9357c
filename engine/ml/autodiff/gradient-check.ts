// Central finite-difference check of backward(): f(x) = sum(op(x) * W) with fixed random W, compared
// element by element with (f(x+h) - f(x-h)) / 2h. Meant for float64 graphs and small shapes.

import { isFloatDType } from '../onnx/data-types.ts';
import { Graph } from '../graph/graph.ts';
import { isStaticShape, formatShape } from '../graph/dims.ts';
import * as op from '../graph/ops/index.ts';
import type { Value } from '../graph/value.ts';
import { createModelSession, type ModelSession } from '../runtime/session.ts';
import { elementCountOf, numbersOf, type HostTensor } from '../tensor/host-tensor.ts';
import { createRandom, type Random } from '../tensor/random.ts';
import { backward } from './backward.ts';
import type { GradRuleTable } from './grad-context.ts';

export interface GradientCheckCase {
  name: string;
  /** Draws the inputs (shapes included) for one trial. */
  inputs(random: Random): HostTensor[];
  /** Builds the function under test from the graph inputs. */
  build(graph: Graph, inputs: readonly Value[]): Value;
  /** Which inputs to differentiate; every float input when omitted. */
  wrt?: readonly number[];
}

export interface GradientMismatch {
  input: number;
  element: number;
  analytic: number;
  numeric: number;
}

export interface GradientCheckResult {
  /** max |analytic - numeric| / max(1, |numeric|) over every checked element. */
  maxError: number;
  worst: GradientMismatch | null;
  elementsChecked: number;
  shapes: string;
}

export interface GradientCheckOptions {
  seed: number;
  /** The finite-difference step h (default 1e-6, right for float64). */
  step?: number;
  /** A rule table to check instead of the standard one. */
  rules?: GradRuleTable;
}

export async function checkGradients(testCase: GradientCheckCase, options: GradientCheckOptions): Promise<GradientCheckResult> {
  const random = createRandom(options.seed);
  const feeds = testCase.inputs(random);
  const { bytes, wrt } = buildObjective(testCase, feeds, random, options.rules);
  const session = await createModelSession(bytes);
  try {
    const feedMap = Object.fromEntries(feeds.map((tensor, index) => [`x${index}`, tensor]));
    const analytic = await session.run(feedMap);
    const result: GradientCheckResult = { maxError: 0, worst: null, elementsChecked: 0, shapes: feeds.map((t) => formatShape(t.shape)).join(' ') };
    for (const [position, inputIndex] of wrt.entries()) {
      const gradient = numbersOf(analytic[`grad${position}`] as HostTensor);
      await compareWithNumeric(session, feedMap, inputIndex, gradient, options.step ?? 1e-6, result);
    }
    return result;
  } finally {
    await session.release();
  }
}

function buildObjective(
  testCase: GradientCheckCase,
  feeds: readonly HostTensor[],
  random: Random,
  rules: GradRuleTable | undefined,
): { bytes: Uint8Array; wrt: number[] } {
  const graph = new Graph({ name: `gradcheck-${testCase.name}` });
  const inputs = feeds.map((tensor, index) => graph.input(`x${index}`, tensor.dtype, tensor.shape));
  const y = testCase.build(graph, inputs);
  if (!isStaticShape(y.shape) || !isFloatDType(y.dtype)) {
    throw new Error(`gradient check "${testCase.name}": output must be float with a static shape, got ${y.dtype}${formatShape(y.shape)}`);
  }
  const weights = Array.from({ length: elementCountOf(y.shape) }, () => random.normal());
  const f = op.reduceSum(op.mul(y, graph.constant(y.dtype, y.shape, weights)), undefined, { keepDims: false });
  graph.output(f, 'f');
  const wrt = testCase.wrt ? [...testCase.wrt] : feeds.flatMap((tensor, index) => (isFloatDType(tensor.dtype) ? [index] : []));
  const gradients = backward(graph, f, wrt.map((index) => inputs[index] as Value), rules ? { rules } : {});
  gradients.forEach((gradient, position) => graph.output(gradient, `grad${position}`));
  return { bytes: graph.toBytes(), wrt };
}

async function compareWithNumeric(
  session: ModelSession,
  feeds: Record<string, HostTensor>,
  inputIndex: number,
  analytic: readonly number[],
  step: number,
  result: GradientCheckResult,
): Promise<void> {
  const name = `x${inputIndex}`;
  const original = feeds[name] as HostTensor;
  const evaluate = async (element: number, delta: number): Promise<number> => {
    const data = (original.data as Float64Array | Float32Array).slice();
    data[element] = (data[element] as number) + delta;
    const output = await session.run({ ...feeds, [name]: { ...original, data } }, ['f']);
    return numbersOf(output.f as HostTensor)[0] as number;
  };
  for (let element = 0; element < original.data.length; element++) {
    const numeric = ((await evaluate(element, step)) - (await evaluate(element, -step))) / (2 * step);
    const gradient = analytic[element] as number;
    const difference = Math.abs(gradient - numeric) / Math.max(1, Math.abs(numeric));
    const error = Number.isNaN(difference) ? Infinity : difference;
    result.elementsChecked++;
    if (error >= result.maxError) {
      result.maxError = error;
      result.worst = { input: inputIndex, element, analytic: gradient, numeric };
    }
  }
}
