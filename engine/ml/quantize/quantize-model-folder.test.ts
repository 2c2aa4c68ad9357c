// The quantized model folder: the float32 files kept, the quantized decoder under transformers.js's file name, the
// record in config.json, provenance chained to the source, and clear errors for inputs that cannot be quantized.
import { existsSync, mkdtempSync, readFileSync, rmSync, unlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readModelFolder, writeModelFolder } from '../export/model-folder.ts';
import { gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { quantizationRecordOf, quantizeModelFolder, type ModelQuantizationSettings } from './quantize-model-folder.ts';

const INT4: ModelQuantizationSettings = { scheme: 'int4', blockSize: 32, symmetric: true, accuracyLevel: 4, quantizeEmbeddings: false };
const config = gpt2Config({ vocabSize: 50, nLayer: 2, nHead: 2, nEmbd: 64, blockSize: 32 });

let root: string;
let source: string;

beforeEach(() => {
  root = mkdtempSync(path.join(tmpdir(), 'crucible-quantized-folder-'));
  source = path.join(root, 'float');
  writeModelFolder(source, { config, parameters: initGpt2Parameters(config, 2), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: { node: { type: 'pretrain' } } });
});

afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('quantizeModelFolder', () => {
  it.each([
    ['int4', INT4, 'onnx/model_q4.onnx', 'q4', 0.4],
    ['int8', { ...INT4, scheme: 'int8', symmetric: false }, 'onnx/model_int8.onnx', 'int8', 0.45],
  ] as const)('%s: keeps the float32 model and adds the quantized decoder with its record', (_name, settings, decoderFile, dtype, maximumSizeRatio) => {
    const target = path.join(root, 'quantized');
    const result = quantizeModelFolder({ sourceFolder: source, targetFolder: target, settings, provenance: { node: { type: 'quantize' } } });
    expect(result.quantizedDecoderFile.split(path.sep).join('/')).toBe(decoderFile);
    expect(existsSync(path.join(target, decoderFile))).toBe(true);
    expect(readFileSync(path.join(target, 'onnx/model.onnx')).equals(readFileSync(path.join(source, 'onnx/model.onnx')))).toBe(true);
    expect(result.quantizedDecoderBytes / result.floatDecoderBytes).toBeLessThan(maximumSizeRatio);
    const configJson = JSON.parse(readFileSync(path.join(target, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(configJson['transformers.js_config']).toEqual({ dtype });
    expect(quantizationRecordOf(target)).toMatchObject({ method: 'matmul_nbits', bits: settings.scheme === 'int4' ? 4 : 8, block_size: 32, decoder_file: decoderFile });
    expect(quantizationRecordOf(source)).toBeNull();
    const provenance = JSON.parse(readFileSync(path.join(target, 'crucible-provenance.json'), 'utf8')) as Record<string, unknown>;
    expect(provenance).toEqual({ node: { type: 'quantize' }, source: { node: { type: 'pretrain' } } });
    expect(readModelFolder(target).config).toEqual(readModelFolder(source).config);
  });

  it('refuses a model that is already quantized', () => {
    const target = path.join(root, 'quantized');
    quantizeModelFolder({ sourceFolder: source, targetFolder: target, settings: INT4, provenance: {} });
    expect(() => quantizeModelFolder({ sourceFolder: target, targetFolder: path.join(root, 'twice'), settings: INT4, provenance: {} })).toThrow(/is already quantized \(config.json records 4-bit quantization\); connect the float32 model/);
  });

  it('refuses a model without an ONNX decoder', () => {
    unlinkSync(path.join(source, 'onnx', 'model.onnx'));
    expect(() => quantizeModelFolder({ sourceFolder: source, targetFolder: path.join(root, 'quantized'), settings: INT4, provenance: {} })).toThrow(/has no ONNX decoder \(onnx[\\/]model.onnx\)/);
  });

  it('refuses int8 below accuracy level 4, the slow path', () => {
    const settings: ModelQuantizationSettings = { ...INT4, scheme: 'int8', accuracyLevel: 1 };
    expect(() => quantizeModelFolder({ sourceFolder: source, targetFolder: path.join(root, 'quantized'), settings, provenance: {} })).toThrow(/int8 needs accuracyLevel 4/);
    expect(existsSync(path.join(root, 'quantized'))).toBe(false);
  });
});
