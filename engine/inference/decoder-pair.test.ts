// The serving worker's two decoders are one model: the step decoder, built from the folder's safetensors and
// quantized as config.json records, gives the exported decoder's logits for every row of a batch, at float32, int8
// and int4, for a GPT-2 and a Llama (grouped-query attention: the slot cache holds key/value heads); a folder whose
// files disagree is refused at load.
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { kvCacheShape } from '../ml/export/kv-cache-shape.ts';
import { quantizeModelFolder, type ModelQuantizationSettings } from '../ml/quantize/quantize-model-folder.ts';
import { prefillBatch } from './batched-prefill.ts';
import { loadDecoderPair, releaseDecoderPair } from './decoder-pair.ts';
import { readServableModel } from './model-files.ts';
import { type DecoderPrecision } from '../../app/artifacts/model-layout.ts';
import { SlotKvCache } from './slot-kv-cache.ts';
import { decodeOneToken } from './step-decode.ts';
import { stepDecoderBuilder } from './step-decoder-model.ts';
import { TINY_MODEL_ARCHITECTURES, writeTinyModelFolder, type TinyModelFolder } from './testing/tiny-model-folder.ts';

const INT8: ModelQuantizationSettings = { scheme: 'int8', blockSize: 32, symmetric: false, accuracyLevel: 4, quantizeEmbeddings: false };
const INT4: ModelQuantizationSettings = { scheme: 'int4', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: true };

let fixture: TinyModelFolder;
let other: TinyModelFolder;
let root: string;
const folders: Record<DecoderPrecision, string> = { float32: '', int8: '', q4: '' };

const setUp = (architecture: (typeof TINY_MODEL_ARCHITECTURES)[number]) => () => {
  fixture = writeTinyModelFolder({ architecture, nEmbd: 32, seed: 5 });
  other = writeTinyModelFolder({ architecture, nEmbd: 32, seed: 6 });
  root = mkdtempSync(path.join(tmpdir(), 'crucible-decoder-pair-'));
  folders.float32 = fixture.folder;
  for (const [precision, settings] of [['int8', INT8], ['q4', INT4]] as const) {
    folders[precision] = path.join(root, precision);
    quantizeModelFolder({ sourceFolder: fixture.folder, targetFolder: folders[precision], settings, provenance: {} });
  }
};
const tearDown = () => {
  fixture.remove();
  other.remove();
  rmSync(root, { recursive: true, force: true });
};

const servable = (folder: string, precision: DecoderPrecision) => {
  const model = readServableModel(folder, precision);
  return { modelFolder: folder, precision, decoderPath: model.decoderPath, config: model.config };
};
const load = (folder: string, precision: DecoderPrecision) => loadDecoderPair(servable(folder, precision), {});

describe.each(TINY_MODEL_ARCHITECTURES)('loadDecoderPair (%s)', (architecture) => {
  beforeAll(setUp(architecture));
  afterAll(tearDown);

  it.each(['float32', 'int8', 'q4'] as const)('%s: one batched step gives each row the exported decoder’s logits for its whole sequence', async (precision) => {
    const { config } = readServableModel(folders[precision], precision);
    const pair = await load(folders[precision], precision);
    try {
      const sequences = [[5, 9, 2, 7, 1, 3], [4, 8], [11, 6, 6, 2]];
      const prefixes = await prefillBatch(pair.prefill, config, sequences.map((sequence) => sequence.slice(0, -1)));
      const cache = new SlotKvCache(kvCacheShape(config), { maxRows: 4, maxSlots: config.blockSize, slotChunk: 4 });
      for (const prefix of prefixes) cache.addRow(prefix.cache);
      const stepped = await decodeOneToken(pair.step, config, cache, sequences.map((sequence) => sequence.at(-1)!));
      expect(cache.rowLengths).toEqual([6, 2, 4]);
      for (const [row, sequence] of sequences.entries()) {
        const [whole] = await prefillBatch(pair.prefill, config, [sequence]);
        const got = stepped.subarray(row * config.vocabSize, (row + 1) * config.vocabSize);
        const worst = Math.max(...whole!.logits.map((value, index) => Math.abs(value - got[index]!)));
        expect(worst).toBeLessThan(1e-4);
      }
    } finally {
      await Promise.all([pair.prefill.release(), pair.step.release()]);
    }
  });

  it('refuses a folder whose decoder file and weights are two different models', async () => {
    const mixed = path.join(root, 'mixed');
    quantizeModelFolder({ sourceFolder: fixture.folder, targetFolder: mixed, settings: INT8, provenance: {} });
    copyFileSync(path.join(other.folder, 'onnx', 'model.onnx'), path.join(mixed, 'onnx', 'model.onnx'));
    await expect(load(mixed, 'float32')).rejects.toThrow(/the step decoder built from the folder's model.safetensors disagrees with .*model\.onnx \(logits differ by up to/);
  });

  it('refuses a quantized folder whose decoder file is another model’s, at the quantized tolerance', async () => {
    const mixed = path.join(root, 'mixed-int8');
    const foreign = path.join(root, 'foreign-int8');
    quantizeModelFolder({ sourceFolder: fixture.folder, targetFolder: mixed, settings: INT8, provenance: {} });
    quantizeModelFolder({ sourceFolder: other.folder, targetFolder: foreign, settings: INT8, provenance: {} });
    copyFileSync(path.join(foreign, 'onnx', 'model_int8.onnx'), path.join(mixed, 'onnx', 'model_int8.onnx'));
    await expect(load(mixed, 'int8')).rejects.toThrow(/the step decoder built from the folder's model.safetensors disagrees with .*model_int8\.onnx/);
  });

  it('refuses to build a step decoder for a precision the folder’s quantization record does not describe', () => {
    expect(() => stepDecoderBuilder(folders.int8, 'q4')).toThrow(/serving q4 needs config.json's 4-bit crucible_quantization record, found a 8-bit record/);
    expect(() => stepDecoderBuilder(folders.float32, 'int8')).toThrow(/found no crucible_quantization record; re-run the quantize node/);
  });
});

describe('loadDecoderPair at int8, where activations are rounded to int8', () => {
  it('loads a folder whose two graphs may round an activation differently (past 1e-3 of the largest logit)', async () => {
    // A 4-layer, 256-wide random GPT-2: on a CPU whose int8 kernels saturate (AVX2 without VNNI), its int8 one-token
    // step and exported decoder differ by ~2e-3 of the largest logit on the load probe, a flipped int8 activation code,
    // not two models, and the float32 tolerance refused it. With VNNI the two agree to ~1e-6, so there the case only
    // checks that the folder loads.
    const wide = writeTinyModelFolder({ architecture: 'gpt2', nLayer: 4, nEmbd: 256, seed: 3 });
    const folder = path.join(path.dirname(wide.folder), 'int8');
    quantizeModelFolder({ sourceFolder: wide.folder, targetFolder: folder, settings: INT8, provenance: {} });
    try {
      const pair = await loadDecoderPair(servable(folder, 'int8'), {}, { manyTokens: true });
      try {
        expect(pair.stepMany).not.toBeNull();
      } finally {
        await releaseDecoderPair(pair);
      }
    } finally {
      wide.remove();
    }
  });
});
