// The decoder transform: which nodes become MatMulNBits, which float weights leave the file, how close the
// quantized logits stay to float32, greedy agreement over 200 tokens on a briefly trained model, and bad input.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DecoderSession } from '../export/decoder-session.ts';
import { buildDecoderModel } from '../export/decoder-model.ts';
import { gpt2Config, type Gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters, type ParameterSet } from '../gpt2/parameters.ts';
import { llamaConfig } from '../llama/config.ts';
import { initLlamaParameters } from '../llama/parameters.ts';
import type { ModelConfig } from '../model-config.ts';
import { Graph } from '../graph/graph.ts';
import * as op from '../graph/ops/index.ts';
import { encodeModel } from '../onnx/encode-model.ts';
import { createModelSession } from '../runtime/session.ts';
import { createRandom } from '../tensor/random.ts';
import type { ModelProto } from '../onnx/model-proto.ts';
import { writeCharTokensArtifact } from '../train/testing/char-tokens.ts';
import { shakespeareExcerpt, TINY_SETTINGS } from '../train/testing/tiny-settings.ts';
import { LossEvaluator } from '../train/loss-evaluator.ts';
import { trainGpt2 } from '../train/trainer.ts';
import { decoderLoss, greedyAgreement, validationWindows } from './decoder-measures.ts';
import { quantizeDecoderModel, type DecoderQuantizationOptions } from './quantize-decoder.ts';

const INT4: DecoderQuantizationOptions = { bits: 4, blockSize: 16, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false };
const INT8: DecoderQuantizationOptions = { bits: 8, blockSize: 32, symmetric: false, accuracyLevel: 4, quantizeEmbeddings: false };

function floatDecoder(config: ModelConfig, parameters: ParameterSet): ModelProto {
  return buildDecoderModel(config, parameters).toModelProto();
}

async function sessionOf(config: ModelConfig, model: ModelProto): Promise<DecoderSession> {
  return DecoderSession.create(config, encodeModel(model));
}

describe('quantizeDecoderModel on a random-weight decoder', () => {
  const config = gpt2Config({ vocabSize: 40, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 24 });
  const model = floatDecoder(config, initGpt2Parameters(config, 5));
  const initializerNames = (proto: ModelProto) => new Set(proto.graph.initializers.map((tensor) => tensor.name));

  it('turns every linear layer into MatMulNBits and drops their float weights, keeping wte for the Gather and head', () => {
    const { model: quantized, quantizedWeights } = quantizeDecoderModel(model, INT4);
    const nodes = quantized.graph.nodes;
    expect(nodes.filter((node) => node.opType === 'MatMulNBits')).toHaveLength(4 * config.nLayer);
    expect(quantizedWeights).toHaveLength(4 * config.nLayer);
    const names = initializerNames(quantized);
    expect(nodes.some((node) => node.opType === 'MatMul' && names.has(node.inputs[1] ?? ''))).toBe(false);
    expect(names.has('transformer.h.0.mlp.c_fc.weight')).toBe(false);
    expect(names.has('transformer.h.0.mlp.c_fc.weight_Q4')).toBe(true);
    expect(names.has('transformer.wte.weight')).toBe(true);
    expect(nodes.find((node) => node.opType === 'MatMulNBits')?.attributes.accuracy_level).toEqual({ kind: 'int', value: 4 });
  });

  it('with quantizeEmbeddings also quantizes the tied head and reads the embedding from the packed table', async () => {
    const { model: quantized } = quantizeDecoderModel(model, { ...INT8, quantizeEmbeddings: true });
    expect(quantized.graph.nodes.filter((node) => node.opType === 'MatMulNBits')).toHaveLength(4 * config.nLayer + 1);
    expect(initializerNames(quantized).has('transformer.wte.weight')).toBe(false);
    const [reference, candidate] = [await sessionOf(config, model), await sessionOf(config, quantized)];
    const ids = [1, 7, 3, 39, 0, 12];
    const [expected, actual] = [await reference.append(ids), await candidate.append(ids)];
    expect(relativeError(actual, expected)).toBeLessThan(0.05);
    await Promise.all([reference.release(), candidate.release()]);
  });

  it.each([
    ['int8', INT8, 0.03],
    ['int4', INT4, 0.25],
  ] as const)('keeps %s logits close to float32', async (_name, options, tolerance) => {
    const [reference, candidate] = [await sessionOf(config, model), await sessionOf(config, quantizeDecoderModel(model, options).model)];
    const ids = [4, 8, 15, 16, 23, 2, 9];
    const [expected, actual] = [await reference.append(ids), await candidate.append(ids)];
    expect(actual).toHaveLength(expected.length);
    const error = relativeError(actual, expected);
    expect(error).toBeLessThan(tolerance);
    expect(error).toBeGreaterThan(0);
    await Promise.all([reference.release(), candidate.release()]);
  });

  it('refuses a decoder that is already quantized', () => {
    const { model: quantized } = quantizeDecoderModel(model, INT4);
    expect(() => quantizeDecoderModel(quantized, INT8)).toThrow(/already holds MatMulNBits node .* quantize the float32 decoder/);
  });
});

describe('quantizeDecoderModel on a Llama decoder', () => {
  it.each([
    ['tied', true],
    ['untied', false],
  ] as const)('%s head: every projection (q/k/v/o, gate/up/down, an untied lm_head) becomes MatMulNBits and the logits stay close', async (_name, tieEmbeddings) => {
    const config = llamaConfig({ vocabSize: 40, nLayer: 2, nHead: 4, nKvHead: 2, nEmbd: 32, blockSize: 24, intermediateSize: 64, tieEmbeddings });
    const model = floatDecoder(config, initLlamaParameters(config, 4));
    const { model: quantized, quantizedWeights } = quantizeDecoderModel(model, INT8);
    const expectedWeights = [...Array.from({ length: config.nLayer }, (_, layer) => ['q', 'k', 'v', 'o'].map((part) => `model.layers.${layer}.self_attn.${part}_proj.weight`).concat(['gate', 'up', 'down'].map((part) => `model.layers.${layer}.mlp.${part}_proj.weight`))).flat(), ...(tieEmbeddings ? [] : ['lm_head.weight'])];
    expect(quantizedWeights.sort()).toEqual(expectedWeights.sort());
    const names = new Set(quantized.graph.initializers.map((tensor) => tensor.name));
    expect(expectedWeights.some((name) => names.has(name))).toBe(false);
    expect(names.has('model.embed_tokens.weight')).toBe(true);
    const [reference, candidate] = [await sessionOf(config, model), await sessionOf(config, quantized)];
    const ids = [4, 8, 15, 16, 23, 2, 9];
    const [expected, actual] = [await reference.append(ids), await candidate.append(ids)];
    expect(relativeError(actual, expected)).toBeLessThan(0.03);
    expect(relativeError(actual, expected)).toBeGreaterThan(0);
    await Promise.all([reference.release(), candidate.release()]);
  });
});

describe('quantizeDecoderModel on [out, in] weights (torch Linear)', () => {
  // x (2, 3, K) through three products by [N, K] weights, the two forms a Linear takes, and a table that is also
  // gathered (a tied embedding), which only quantizeEmbeddings touches.
  const [K, N] = [32, 24];
  const random = createRandom(3);
  const tensor = (shape: number[]) => ({ dtype: 'float32' as const, shape, data: Float32Array.from({ length: shape[0]! * shape[1]! }, () => random.normal()) });
  const build = (): ModelProto => {
    const graph = new Graph({ name: 'linears' });
    const x = graph.input('x', 'float32', [2, 3, K]);
    const ids = graph.input('ids', 'int64', [2, 3]);
    const transposed = op.matMul(x, op.transpose(graph.initializer('a.weight', tensor([N, K])), [1, 0]));
    const fused = op.fusedMatMul(x, graph.initializer('b.weight', tensor([N, K])), { transB: true });
    const table = graph.initializer('table.weight', tensor([N, K]));
    graph.output(op.add(op.add(transposed, fused), op.fusedMatMul(op.add(x, op.gather(table, ids)), table, { transB: true })), 'y');
    return graph.toModelProto();
  };
  const feeds = { x: { dtype: 'float32' as const, shape: [2, 3, K], data: Float32Array.from({ length: 6 * K }, (_, index) => Math.sin(index)) }, ids: { dtype: 'int64' as const, shape: [2, 3], data: BigInt64Array.from([0, 5, 23, 1, 1, 7], BigInt) } };
  const run = async (model: ModelProto) => {
    const session = await createModelSession(encodeModel(model));
    const output = (await session.run(feeds)).y!.data as Float32Array;
    await session.release();
    return output;
  };

  it('quantizes MatMul after Transpose and FusedMatMul transB, drops the Transpose and the float weights, keeps the gathered table', async () => {
    const model = build();
    const { model: quantized, quantizedWeights } = quantizeDecoderModel(model, INT8);
    expect(quantizedWeights.sort()).toEqual(['a.weight', 'b.weight']);
    expect(quantized.graph.nodes.filter((node) => node.opType === 'MatMulNBits')).toHaveLength(2);
    expect(quantized.graph.nodes.some((node) => node.opType === 'Transpose')).toBe(false);
    expect(quantized.graph.initializers.map((tensor) => tensor.name).sort()).toEqual(['a.weight_Q8', 'a.weight_scales', 'a.weight_zero_points', 'b.weight_Q8', 'b.weight_scales', 'b.weight_zero_points', 'table.weight']);
    const [expected, actual] = [await run(model), await run(quantized)];
    expect(relativeError(actual, expected)).toBeLessThan(0.02);
    expect(relativeError(actual, expected)).toBeGreaterThan(0);
  });

  it('with quantizeEmbeddings also quantizes the gathered table and its head', async () => {
    const model = build();
    const { model: quantized, quantizedWeights } = quantizeDecoderModel(model, { ...INT8, quantizeEmbeddings: true });
    expect(quantizedWeights.sort()).toEqual(['a.weight', 'b.weight', 'table.weight']);
    expect(quantized.graph.initializers.some((tensor) => tensor.name === 'table.weight')).toBe(false);
    expect(relativeError(await run(quantized), await run(model))).toBeLessThan(0.02);
  });
});

/**
 * The trained model depends on the CPU's float kernels, and its greedy path loops: one near-tie in the loop (0.005
 * logits apart, from training on AVX2) that int8 rounding flips recurs and cost 10 of 200 steps, 0.950 against 0.995 for
 * the model trained here. Every disagreement measured was within 0.011 logits at int8 and 0.1 at int4.
 */
const NEAR_TIE_LOGITS = 0.05;

/** ‖a − b‖ / ‖b‖. */
function relativeError(actual: Float32Array, expected: Float32Array): number {
  let difference = 0;
  let norm = 0;
  expected.forEach((value, index) => {
    difference += (value - (actual[index] as number)) ** 2;
    norm += value ** 2;
  });
  return Math.sqrt(difference / norm);
}

describe('a briefly trained char model', () => {
  let folder: string;
  let config: Gpt2Config;
  let parameters: ParameterSet;
  let valShard: string;

  beforeAll(async () => {
    folder = mkdtempSync(path.join(tmpdir(), 'crucible-quantize-'));
    const tokens = writeCharTokensArtifact(path.join(folder, 'tokens'), shakespeareExcerpt(60_000));
    valShard = path.join(tokens.folder, 'val');
    const settings = { ...TINY_SETTINGS, nEmbd: 32, blockSize: 32, batchSize: 8, maxSteps: 300, evalInterval: 300, checkpointInterval: 1000, learningRate: 1e-2, minLearningRate: 1e-3, warmupSteps: 20 };
    const result = await trainGpt2({ settings, trainShard: path.join(tokens.folder, 'train'), valShard, checkpointDir: path.join(folder, 'checkpoints') });
    config = result.config;
    parameters = result.parameters;
  }, 60_000);

  afterAll(() => rmSync(folder, { recursive: true, force: true }));

  it("scores the float32 decoder's val loss as the trainer's loss graph does", async () => {
    const windows = validationWindows(valShard, config, 4, 2);
    const time = config.blockSize;
    const rows = (from: number) => BigInt64Array.from(windows.flatMap((window) => Array.from(window.subarray(from, from + time))));
    const batch = { tokens: { dtype: 'int64' as const, shape: [4, time], data: rows(0) }, targets: { dtype: 'int64' as const, shape: [4, time], data: rows(1) } };
    const evaluator = await LossEvaluator.create(config, { batch: 4, time }, 1);
    const expected = await evaluator.batchLoss(parameters, batch);
    await evaluator.release();
    const decoder = await sessionOf(config, floatDecoder(config, parameters));
    expect(await decoderLoss(decoder, windows)).toBeCloseTo(expected, 4);
    await decoder.release();
  });

  it.each([
    ['int8', INT8, 0.95, 0.02],
    ['int4', { ...INT4, blockSize: 32 } as DecoderQuantizationOptions, 0.8, 0.1],
  ] as const)('%s: greedy generations agree with float32 over 200 tokens and the val loss barely moves', async (name, options, minimumAgreement, maximumLossIncrease) => {
    const model = floatDecoder(config, parameters);
    const [reference, candidate] = [await sessionOf(config, model), await sessionOf(config, quantizeDecoderModel(model, options).model)];
    const agreement = await greedyAgreement(reference, candidate, [1, 2, 3], 200, NEAR_TIE_LOGITS);
    const windows = validationWindows(valShard, config, 8, 1);
    const [floatLoss, quantizedLoss] = [await decoderLoss(reference, windows), await decoderLoss(candidate, windows)];
    console.log(`${name}: top-1 agreement ${agreement.topOneAgreement.toFixed(3)} (${agreement.agreementBesideNearTies!.toFixed(3)} beside near-ties) over ${agreement.tokens} tokens, identical prefix ${agreement.identicalPrefix}, val loss ${floatLoss.toFixed(4)} → ${quantizedLoss.toFixed(4)}`);
    expect(agreement.tokens).toBe(200);
    expect(agreement.agreementBesideNearTies).toBeGreaterThanOrEqual(minimumAgreement);
    expect(agreement.agreementBesideNearTies).toBeGreaterThanOrEqual(agreement.topOneAgreement);
    expect(quantizedLoss - floatLoss).toBeLessThan(maximumLossIncrease);
    await Promise.all([reference.release(), candidate.release()]);
  });
});
