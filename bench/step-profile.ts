// `node --import tsx bench/step-profile.ts --model DIR`: where one decode step of the serving step decoder spends its
// time, per precision and batch size, from ONNX Runtime's own profiler (1 thread, like a deployment): the wall time
// per step, the model_run time inside ORT, the kernels' sum and the op types that take the most. The gap between
// wall and model_run is the feeds and the JavaScript side; between model_run and the kernels, ORT's cost per node.
//
// Flags: --model DIR (a float32 model folder, e.g. one bench:compress --keep wrote), --rows 1,16 (batch sizes),
// --slots N (tokens already in every row's cache, default 100), --steps N (timed steps, default 40).

import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type * as Ort from 'onnxruntime-node';
import { SLOT_CHUNK, SlotKvCache } from '../engine/inference/slot-kv-cache.ts';
import { stepDecoderFeeds } from '../engine/inference/step-decode.ts';
import { buildStepDecoder } from '../engine/inference/step-decoder-graph.ts';
import { kvCacheShape } from '../engine/ml/export/kv-cache-shape.ts';
import { readModelFolder } from '../engine/ml/export/model-folder.ts';
import type { ModelConfig } from '../engine/ml/model-config.ts';
import { encodeModel } from '../engine/ml/onnx/encode-model.ts';
import { quantizeDecoderModel } from '../engine/ml/quantize/quantize-decoder.ts';
import { ort } from '../engine/ml/runtime/load-ort.ts';
import { toOrtTensor } from '../engine/ml/runtime/ort-tensor.ts';
import { quantizeConfig } from '../nodes/quantize/spec.ts';
import { median } from './median.ts';

interface ProfileEvent {
  cat?: string;
  name: string;
  dur: number;
  args?: { op_name?: string };
}

const PRECISIONS = ['float32', 'int8', 'int4'] as const;

function stepDecoderBytes(config: ModelConfig, parameters: ReturnType<typeof readModelFolder>['parameters'], precision: (typeof PRECISIONS)[number]): Uint8Array {
  const model = buildStepDecoder(config, parameters, 'one').toModelProto();
  if (precision === 'float32') return encodeModel(model);
  // The quantize node's defaults, as bench:serve uses them.
  return encodeModel(quantizeDecoderModel(model, { ...quantizeConfig.parse({ scheme: precision }), bits: precision === 'int8' ? 8 : 4 }).model);
}

function feedsFor(config: ModelConfig, rows: number, slots: number): Record<string, Ort.Tensor> {
  const shape = kvCacheShape(config);
  const cache = new SlotKvCache(shape, { maxRows: rows, maxSlots: config.blockSize, slotChunk: SLOT_CHUNK });
  const filled = () => Array.from({ length: shape.nLayer }, () => new Float32Array(shape.nKvHead * slots * shape.headDim).map(() => Math.random() - 0.5));
  for (let row = 0; row < rows; row++) cache.addRow({ length: slots, keys: filled(), values: filled() });
  // Every row feeds token 1 at position `slots`, the next after its cache.
  const feeds = stepDecoderFeeds(config, cache, Array.from({ length: rows }, () => [1]));
  return Object.fromEntries(Object.entries(feeds).map(([name, tensor]) => [name, toOrtTensor(tensor)]));
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { model: { type: 'string' }, rows: { type: 'string', default: '1,16' }, slots: { type: 'string', default: '100' }, steps: { type: 'string', default: '40' } } });
  if (!values.model) throw new Error('bench/step-profile: --model DIR is required (a float32 model folder, e.g. from npm run bench:compress -- --keep DIR)');
  const { config, parameters } = readModelFolder(path.resolve(values.model));
  const rowCounts = values.rows.split(',').map(Number);
  const slots = Number(values.slots);
  const steps = Number(values.steps);
  if (rowCounts.some((rows) => !Number.isInteger(rows) || rows < 1) || !Number.isInteger(slots) || slots < 1 || slots >= config.blockSize || !Number.isInteger(steps) || steps < 1) {
    throw new Error(`bench/step-profile: --rows must be positive whole numbers, --slots between 1 and ${config.blockSize - 1}, --steps positive`);
  }
  const profileDir = mkdtempSync(path.join(tmpdir(), 'crucible-step-profile-'));
  console.log(`step decoder of ${values.model}: ${config.nLayer} layers, width ${config.nEmbd}, ${slots} tokens cached per row, 1 thread, ${steps} timed steps\n`);
  console.log('| precision | rows | wall ms/step | model_run ms | kernels ms | nodes | tok/s | top op types (ms/step, share of kernels) |');
  console.log('|---|---:|---:|---:|---:|---:|---:|---|');
  try {
    for (const rows of rowCounts) {
      const feeds = feedsFor(config, rows, slots);
      for (const precision of PRECISIONS) {
        const session = await ort().InferenceSession.create(stepDecoderBytes(config, parameters, precision), {
          intraOpNumThreads: 1,
          interOpNumThreads: 1,
          graphOptimizationLevel: 'all',
          enableProfiling: true,
          profileFilePrefix: path.join(profileDir, `${precision}-${rows}`),
        });
        for (let warm = 0; warm < 5; warm++) await session.run(feeds);
        const wall: number[] = [];
        for (let step = 0; step < steps; step++) {
          const started = performance.now();
          await session.run(feeds);
          wall.push(performance.now() - started);
        }
        session.endProfiling();
        await session.release();
        const file = path.join(profileDir, readdirSync(profileDir).find((name) => name.startsWith(`${precision}-${rows}_`))!);
        const events = JSON.parse(readFileSync(file, 'utf8')) as ProfileEvent[];
        const runs = events.filter((event) => event.name === 'model_run').map((event) => event.dur / 1000);
        const kernels = events.filter((event) => event.cat === 'Node' && event.name.endsWith('_kernel_time'));
        const byOp = new Map<string, number>();
        for (const event of kernels) byOp.set(event.args?.op_name ?? '?', (byOp.get(event.args?.op_name ?? '?') ?? 0) + event.dur / 1000 / runs.length);
        const kernelMs = [...byOp.values()].reduce((sum, ms) => sum + ms, 0);
        const nodes = new Set(kernels.map((event) => event.name)).size;
        const top = [...byOp].sort((a, b) => b[1] - a[1]).slice(0, 4).map(([op, ms]) => `${op} ${ms.toFixed(2)} (${Math.round((100 * ms) / kernelMs)}%)`).join(', ');
        const wallMs = median(wall);
        console.log(`| ${precision} | ${rows} | ${wallMs.toFixed(2)} | ${median(runs).toFixed(2)} | ${kernelMs.toFixed(2)} | ${nodes} | ${Math.round((rows * 1000) / wallMs)} | ${top} |`);
      }
    }
  } finally {
    rmSync(profileDir, { recursive: true, force: true });
  }
}

await main();
