import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import ort from 'onnxruntime-node';
import { writeModelFolder } from './engine/ml/export/model-folder.ts';
import { gpt2Config } from './engine/ml/gpt2/config.ts';
import { initGpt2Parameters } from './engine/ml/gpt2/parameters.ts';
import { stepDecoderBytes } from './engine/inference/step-decoder-model.ts';
const shape = process.argv[2] === '10m' ? { nLayer: 6, nHead: 6, nEmbd: 384 } : { nLayer: 4, nHead: 4, nEmbd: 128 };
const P = Number(process.argv[3] ?? 96);
const threads = Number(process.env.T ?? 2);
const root = mkdtempSync(path.join(tmpdir(), 'prof-'));
const config = gpt2Config({ vocabSize: 66, blockSize: 256, ...shape });
const folder = path.join(root, 'm');
writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, 1337), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: {} });
const bytes = stepDecoderBytes(folder, 'float32');
const D = config.nEmbd / config.nHead;
const result: Record<number, Map<string, number>> = {};
const wall: Record<number, number> = {};
for (const B of [1, 16]) {
  for (const prof of [false, true]) {
    const s = await ort.InferenceSession.create(bytes, { intraOpNumThreads: threads, interOpNumThreads: 1, graphOptimizationLevel: 'all', extra: { session: { intra_op: { allow_spinning: '0' } } }, enableProfiling: prof, profileFilePrefix: path.join(root, `p${B}`) });
    const feeds: Record<string, ort.Tensor> = {
      input_ids: new ort.Tensor('int64', new BigInt64Array(B).fill(3n), [B, 1]),
      position_ids: new ort.Tensor('int64', new BigInt64Array(B).fill(BigInt(P - 10)), [B, 1]),
      past_mask: new ort.Tensor('int64', new BigInt64Array(B * P).fill(1n), [B, P]),
    };
    for (let l = 0; l < config.nLayer; l++) {
      feeds[`past_key_values.${l}.key`] = new ort.Tensor('float32', new Float32Array(B * config.nHead * P * D).fill(0.1), [B, config.nHead, P, D]);
      feeds[`past_key_values.${l}.value`] = new ort.Tensor('float32', new Float32Array(B * config.nHead * P * D).fill(0.1), [B, config.nHead, P, D]);
    }
    for (let i = 0; i < 200; i++) await s.run(feeds);
    const times: number[] = [];
    for (let i = 0; i < 400; i++) { const t = performance.now(); await s.run(feeds); times.push(performance.now() - t); }
    if (!prof) { times.sort((a, b) => a - b); wall[B] = times[200]!; await s.release(); continue; }
    s.endProfiling();
    const file = readdirSync(root).find((f) => f.startsWith(`p${B}`))!;
    const events = JSON.parse(readFileSync(path.join(root, file), 'utf8')) as any[];
    const byOp = new Map<string, number>();
    for (const e of events) if (e.cat === 'Node' && e.name.endsWith('_kernel_time')) byOp.set(e.args.op_name, (byOp.get(e.args.op_name) ?? 0) + e.dur / 600);
    result[B] = byOp;
    await s.release();
  }
}
console.log(`wall median: B=1 ${wall[1]!.toFixed(3)} ms, B=16 ${wall[16]!.toFixed(3)} ms`);
const ops = [...result[16]!.keys()].sort((a, b) => result[16]!.get(b)! - result[16]!.get(a)!);
let t1 = 0, t16 = 0;
for (const op of ops) { const a = result[1]!.get(op) ?? 0, b = result[16]!.get(op)!; t1 += a; t16 += b; console.log(`${op.padEnd(20)} B1 ${a.toFixed(0).padStart(6)} us   B16 ${b.toFixed(0).padStart(6)} us   +${(b - a).toFixed(0)}`); }
console.log(`kernels total: B1 ${t1.toFixed(0)} us, B16 ${t16.toFixed(0)} us`);
