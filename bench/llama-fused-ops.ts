// `node --import tsx bench/llama-fused-ops.ts`: are ONNX Runtime's fused kernels faster than the plain ops Crucible's
// Llama inference graphs use? The serving step decoder (engine/inference/step-decoder-graph.ts) of a Llama is built
// as served, then rewritten at the ModelProto level with RMSNorm → SimplifiedLayerNormalization and/or the rotary
// rotation → com.microsoft.RotaryEmbedding; each variant must give the plain graph's logits (1e-4), then one decode
// step is timed at batch 1 and 16 over a 128-slot cache, 1 ORT thread, medians of interleaved runs.
// GroupQueryAttention is not tried: it owns its KV cache layout (past_key (B, K, S, D) shared with present, seqlens)
// and would replace the slot cache's transposed keys and in-place append, which is a larger change than a rewrite.
//
// Flags: --shape nano|10m (default both), --steps N (timed steps per run, default 200), --runs N (default 5).

import { parseArgs } from 'node:util';
import { buildStepDecoder, stepDecoderNames } from '../engine/inference/step-decoder-graph.ts';
import { llamaConfig, type LlamaConfig } from '../engine/ml/llama/config.ts';
import { rotaryInverseFrequencies } from '../engine/ml/llama/layers.ts';
import { initLlamaParameters } from '../engine/ml/llama/parameters.ts';
import { encodeModel } from '../engine/ml/onnx/encode-model.ts';
import type { ModelProto, NodeProto, TensorProto } from '../engine/ml/onnx/model-proto.ts';
import { createModelSession, type ModelSession } from '../engine/ml/runtime/session.ts';
import type { HostTensor } from '../engine/ml/tensor/host-tensor.ts';
import { createRandom } from '../engine/ml/tensor/random.ts';
import { median } from './median.ts';

const SHAPES = {
  nano: { nLayer: 4, nHead: 4, nKvHead: 2, nEmbd: 128 },
  '10m': { nLayer: 6, nHead: 6, nKvHead: 2, nEmbd: 384 },
} as const;
const SLOTS = 128;

type Rewrite = (model: ModelProto, config: LlamaConfig) => ModelProto;

/** Each x / sqrt(mean(x²) + ε) · w (layers.ts rmsNorm: Mul, ReduceMean, Add, Sqrt, Div, Mul) as one node. */
const fuseRmsNorm: Rewrite = (model, config) => {
  const producer = producersOf(model);
  const replaced = new Map<string, NodeProto>();
  for (const node of model.graph.nodes) {
    if (node.opType !== 'Mul') continue;
    const div = producer.get(node.inputs[0]!);
    const sqrt = div?.opType === 'Div' ? producer.get(div.inputs[1]!) : undefined;
    const add = sqrt?.opType === 'Sqrt' ? producer.get(sqrt.inputs[0]!) : undefined;
    const mean = add?.opType === 'Add' ? producer.get(add.inputs[0]!) : undefined;
    const square = mean?.opType === 'ReduceMean' ? producer.get(mean.inputs[0]!) : undefined;
    if (div === undefined || square?.opType !== 'Mul' || square.inputs[0] !== square.inputs[1] || square.inputs[0] !== div.inputs[0]) continue;
    replaced.set(node.name, {
      name: `${node.name}_simplified_layer_norm`, opType: 'SimplifiedLayerNormalization', domain: '',
      inputs: [div.inputs[0]!, node.inputs[1]!], outputs: [node.outputs[0]!],
      attributes: { axis: { kind: 'int', value: -1 }, epsilon: { kind: 'float', value: config.rmsNormEps }, stash_type: { kind: 'int', value: 1 } },
    });
  }
  return withNodes(model, model.graph.nodes.map((node) => replaced.get(node.name) ?? node), []);
};

/** Each x·cos + concat(x₂, x₁)·sinSigned (layers.ts applyRotary) as RotaryEmbedding over (B, heads, S, D) with cos/sin caches. */
const fuseRotary: Rewrite = (model, config) => {
  const producer = producersOf(model);
  const replaced = new Map<string, NodeProto>();
  const half = config.headDim / 2;
  const inverse = rotaryInverseFrequencies(config.headDim, config.ropeTheta);
  const table = (fn: (angle: number) => number) => Float32Array.from({ length: config.blockSize * half }, (_, index) => fn(Math.fround(Math.floor(index / half) * inverse[index % half]!)));
  const caches: TensorProto[] = [
    { name: 'rotary_cos_cache', dtype: 'float32', dims: [config.blockSize, half], data: table(Math.cos) },
    { name: 'rotary_sin_cache', dtype: 'float32', dims: [config.blockSize, half], data: table(Math.sin) },
  ];
  for (const node of model.graph.nodes) {
    if (node.opType !== 'Add') continue;
    const [cosTerm, sinTerm] = node.inputs.map((input) => producer.get(input));
    const swapped = sinTerm?.opType === 'Mul' ? producer.get(sinTerm.inputs[0]!) : undefined;
    const split = swapped?.opType === 'Concat' ? producer.get(swapped.inputs[0]!) : undefined;
    if (cosTerm?.opType !== 'Mul' || split?.opType !== 'Split' || split.inputs[0] !== cosTerm.inputs[0]) continue;
    replaced.set(node.name, {
      name: `${node.name}_rotary`, opType: 'RotaryEmbedding', domain: 'com.microsoft',
      inputs: [cosTerm.inputs[0]!, stepDecoderNames.positionIds, 'rotary_cos_cache', 'rotary_sin_cache'], outputs: [node.outputs[0]!],
      attributes: { interleaved: { kind: 'int', value: 0 } },
    });
  }
  return withNodes(model, model.graph.nodes.map((node) => replaced.get(node.name) ?? node), caches);
};

function producersOf(model: ModelProto): Map<string, NodeProto> {
  return new Map(model.graph.nodes.flatMap((node) => node.outputs.map((output) => [output, node] as const)));
}

/** The model with `nodes` (less those nothing reads any more) and `extra` initializers. */
function withNodes(model: ModelProto, nodes: NodeProto[], extra: TensorProto[]): ModelProto {
  let kept = nodes;
  for (;;) {
    const read = new Set([...model.graph.outputs.map((output) => output.name), ...kept.flatMap((node) => node.inputs)]);
    const next = kept.filter((node) => node.outputs.some((output) => read.has(output)));
    if (next.length === kept.length) break;
    kept = next;
  }
  const read = new Set(kept.flatMap((node) => node.inputs));
  return { ...model, graph: { ...model.graph, nodes: kept, initializers: [...model.graph.initializers, ...extra].filter((tensor) => read.has(tensor.name)) } };
}

function stepFeeds(config: LlamaConfig, batch: number): Record<string, HostTensor> {
  const random = createRandom(batch);
  const { nKvHead: K, headDim: D } = config;
  const filled = (shape: number[]): HostTensor => ({ dtype: 'float32', shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => random.normal()) });
  const feeds: Record<string, HostTensor> = {
    [stepDecoderNames.inputIds]: { dtype: 'int64', shape: [batch, 1], data: BigInt64Array.from({ length: batch }, (_, row) => BigInt(row + 1)) },
    [stepDecoderNames.positionIds]: { dtype: 'int64', shape: [batch, 1], data: BigInt64Array.from({ length: batch }, (_, row) => BigInt(100 + row)) },
    [stepDecoderNames.pastMask]: { dtype: 'int64', shape: [batch, SLOTS], data: BigInt64Array.from({ length: batch * SLOTS }, (_, index) => (index % SLOTS < 100 ? 1n : 0n)) },
  };
  for (let layer = 0; layer < config.nLayer; layer++) {
    feeds[stepDecoderNames.pastKey(layer)] = filled([batch, K, SLOTS, D]);
    feeds[stepDecoderNames.pastValue(layer)] = filled([batch, K, SLOTS, D]);
  }
  return feeds;
}

async function stepMilliseconds(session: ModelSession, feeds: Record<string, HostTensor>, steps: number): Promise<number> {
  const started = performance.now();
  for (let step = 0; step < steps; step++) await session.run(feeds, [stepDecoderNames.logits]);
  return (performance.now() - started) / steps;
}

const { values } = parseArgs({ options: { shape: { type: 'string' }, steps: { type: 'string' }, runs: { type: 'string' } } });
const steps = Number(values.steps ?? 200);
const runs = Number(values.runs ?? 5);
const shapes = values.shape === undefined ? (Object.keys(SHAPES) as (keyof typeof SHAPES)[]) : [values.shape as keyof typeof SHAPES];
const variants: [string, Rewrite[]][] = [['plain ops', []], ['SimplifiedLayerNormalization', [fuseRmsNorm]], ['RotaryEmbedding', [fuseRotary]], ['both', [fuseRmsNorm, fuseRotary]]];

for (const shape of shapes) {
  const config = llamaConfig({ vocabSize: 65, blockSize: 256, ...SHAPES[shape] });
  const plain = buildStepDecoder(config, initLlamaParameters(config, 1337)).toModelProto();
  const sessions = await Promise.all(variants.map(([, rewrites]) => createModelSession(encodeModel(rewrites.reduce((model, rewrite) => rewrite(model, config), plain)), { intraOpThreads: 1 })));
  console.log(`\n## llama ${shape} (${config.nLayer} layers, ${config.nHead}:${config.nKvHead} heads, width ${config.nEmbd}, head ${config.headDim}), step decoder over ${SLOTS} slots, 1 thread, ms/step (median of ${runs} interleaved runs of ${steps} steps)\n`);
  console.log(`| variant | nodes | batch 1 | batch 16 | max |Δ logits| vs plain |`);
  console.log('|---|---:|---:|---:|---:|');
  const rows = variants.map(() => ({ one: [] as number[], sixteen: [] as number[], difference: 0 }));
  for (const batch of [1, 16]) {
    const feeds = stepFeeds(config, batch);
    const reference = (await sessions[0]!.run(feeds, [stepDecoderNames.logits]))[stepDecoderNames.logits]!.data as Float32Array;
    for (const [index, session] of sessions.entries()) {
      const logits = (await session.run(feeds, [stepDecoderNames.logits]))[stepDecoderNames.logits]!.data as Float32Array;
      rows[index]!.difference = Math.max(rows[index]!.difference, ...logits.map((value, at) => Math.abs(value - reference[at]!)));
      await stepMilliseconds(session, feeds, 10);
    }
    for (let run = 0; run < runs; run++) {
      for (const [index, session] of sessions.entries()) (batch === 1 ? rows[index]!.one : rows[index]!.sixteen).push(await stepMilliseconds(session, feeds, steps));
    }
  }
  variants.forEach(([name, rewrites], index) => {
    const model = rewrites.reduce((current, rewrite) => rewrite(current, config), plain);
    const row = rows[index]!;
    console.log(`| ${name} | ${model.graph.nodes.length} | ${median(row.one).toFixed(3)} | ${median(row.sixteen).toFixed(3)} | ${row.difference.toExponential(1)} |`);
  });
  await Promise.all(sessions.map((session) => session.release()));
}
