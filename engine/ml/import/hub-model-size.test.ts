// The size limit: a model whose float32 decoder would pass protobuf's 2 GiB is refused from config.json and the
// tensor headers, before any weight is read. The hub folders here are hollow (full-size sparse files, nothing
// written), and reading a weight throws, so a check that came after the weights would fail fast instead of reading
// gigabytes.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { buildDecoderModel } from '../export/decoder-model.ts';
import { gpt2Config, type Gpt2ConfigInput } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { llamaConfig, type LlamaConfigInput } from '../llama/config.ts';
import { initLlamaParameters } from '../llama/parameters.ts';
import { checkDecoderFits, decoderBytesOf, importedParameterCount, MOST_DECODER_BYTES } from './hub-model-size.ts';
import { readHubModel } from './hub-model.ts';
import { importHubModel } from './import-model.ts';
import { writeHubGpt2Folder } from './testing/hub-folder.ts';
import { writeHubLlamaFolder } from './testing/hub-llama-folder.ts';

vi.mock('../export/safetensors.ts', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../export/safetensors.ts')>();
  return {
    ...actual,
    readSafetensors: () => {
      throw new Error('a weight was read: the size check must come before the weights');
    },
  };
});

const root = mkdtempSync(path.join(tmpdir(), 'crucible-hub-size-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// The published configs (config.json on the hub), with the parameter counts transformers reports for them.
const SMOLLM2 = { vocabSize: 49152, blockSize: 8192, ropeTheta: 130000, tieEmbeddings: true };
const SMOLLM2_135M: LlamaConfigInput = { ...SMOLLM2, nLayer: 30, nHead: 9, nKvHead: 3, nEmbd: 576, intermediateSize: 1536 };
const SMOLLM2_360M: LlamaConfigInput = { ...SMOLLM2, nLayer: 32, nHead: 15, nKvHead: 5, nEmbd: 960, intermediateSize: 2560 };
const SMOLLM2_1_7B: LlamaConfigInput = { ...SMOLLM2, nLayer: 24, nHead: 32, nKvHead: 32, nEmbd: 2048, intermediateSize: 8192 };
const GPT2 = { vocabSize: 50257, blockSize: 1024, bias: true };
const GPT2_SMALL: Gpt2ConfigInput = { ...GPT2, nLayer: 12, nHead: 12, nEmbd: 768 };
const GPT2_MEDIUM: Gpt2ConfigInput = { ...GPT2, nLayer: 24, nHead: 16, nEmbd: 1024 };
const GPT2_LARGE: Gpt2ConfigInput = { ...GPT2, nLayer: 36, nHead: 20, nEmbd: 1280 };

function failureOf(check: () => unknown): string {
  try {
    check();
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error('no refusal');
}

describe('checkDecoderFits', () => {
  it('counts the parameters transformers reports for SmolLM2 and GPT-2', () => {
    expect(importedParameterCount(llamaConfig(SMOLLM2_135M))).toBe(134_515_008);
    expect(importedParameterCount(llamaConfig(SMOLLM2_360M))).toBe(361_821_120);
    expect(importedParameterCount(llamaConfig(SMOLLM2_1_7B))).toBe(1_711_376_384);
    expect(importedParameterCount(gpt2Config(GPT2_SMALL))).toBe(124_439_808);
    expect(importedParameterCount(gpt2Config(GPT2_MEDIUM))).toBe(354_823_168);
    expect(importedParameterCount(gpt2Config(GPT2_LARGE))).toBe(774_030_080);
  });

  it('passes SmolLM2-135M/360M and GPT-2 small/medium, refuses SmolLM2-1.7B and GPT-2 large with the sizes and what imports', () => {
    for (const fits of [llamaConfig(SMOLLM2_135M), llamaConfig(SMOLLM2_360M), gpt2Config(GPT2_SMALL), gpt2Config(GPT2_MEDIUM)]) {
      expect(() => checkDecoderFits(fits, 'config.json')).not.toThrow();
    }
    expect(failureOf(() => checkDecoderFits(llamaConfig(SMOLLM2_1_7B), '/m/config.json'))).toMatch(
      /^\/m\/config\.json: the model has 1,711,376,384 parameters, 6\.4 GiB as float32; .*one ONNX decoder \(onnx\/model\.onnx\), a single protobuf that cannot exceed 2 GiB \(about 536M parameters\), so this model cannot be imported — import a smaller one: SmolLM2-135M and SmolLM2-360M, GPT-2 small and medium/,
    );
    expect(failureOf(() => checkDecoderFits(gpt2Config(GPT2_LARGE), 'config.json'))).toMatch(/774,030,080 parameters, 2\.9 GiB as float32/);
  });

  it('bounds the decoder the model folder writes from above, within a few MiB, for both families', () => {
    const llama = llamaConfig({ vocabSize: 64, nLayer: 6, nHead: 4, nKvHead: 2, nEmbd: 32, intermediateSize: 64, blockSize: 64, tieEmbeddings: false });
    const gpt2 = gpt2Config({ vocabSize: 64, nLayer: 6, nHead: 4, nEmbd: 32, blockSize: 64, bias: true });
    for (const [config, parameters] of [[llama, initLlamaParameters(llama, 1)], [gpt2, initGpt2Parameters(gpt2, 1)]] as const) {
      const written = buildDecoderModel(config, parameters).toBytes().length;
      expect(decoderBytesOf(config)).toBeGreaterThanOrEqual(written);
      expect(decoderBytesOf(config) - written).toBeLessThan(2 * 2 ** 20);
    }
  });

  it('puts the line at protobuf\'s 2 GiB: the largest model that fits passes, one embedding row more is refused', () => {
    // The decoder grows with the vocabulary, one embedding row (4 KiB) at a time; search for the last that fits.
    const sized = (vocabSize: number) => gpt2Config({ vocabSize, nLayer: 1, nHead: 1, nEmbd: 1024, blockSize: 8, bias: true });
    let vocabSize = 1;
    while (decoderBytesOf(sized(vocabSize * 2)) <= MOST_DECODER_BYTES) vocabSize *= 2;
    for (let step = vocabSize / 2; step >= 1; step /= 2) if (decoderBytesOf(sized(vocabSize + step)) <= MOST_DECODER_BYTES) vocabSize += step;
    expect(() => checkDecoderFits(sized(vocabSize), 'config.json')).not.toThrow();
    expect(() => checkDecoderFits(sized(vocabSize + 1), 'config.json')).toThrow(/cannot exceed 2 GiB/);
  });
});

describe('readHubModel refuses a model too large for one decoder before reading a weight', () => {
  it('SmolLM2-1.7B (BF16, sharded), naming config.json; importHubModel writes nothing', () => {
    const dir = path.join(root, 'smollm2-1.7b');
    writeHubLlamaFolder(dir, { config: SMOLLM2_1_7B, dtype: 'BF16', shards: 2, hollow: true });
    expect(failureOf(() => readHubModel(dir))).toMatch(new RegExp(`^${path.join(dir, 'config.json')}: the model has 1,711,376,384 parameters, 6\\.4 GiB as float32;`));
    const out = path.join(root, 'smollm2-1.7b-out');
    expect(failureOf(() => importHubModel(dir, out, {}))).toMatch(/cannot exceed 2 GiB/);
    expect(existsSync(out)).toBe(false);
  });

  it('GPT-2 large (F32)', () => {
    const dir = path.join(root, 'gpt2-large');
    writeHubGpt2Folder(dir, { config: GPT2_LARGE, hollow: true });
    expect(failureOf(() => readHubModel(dir))).toMatch(/: the model has 774,030,080 parameters, 2\.9 GiB as float32; .*SmolLM2-135M/);
  });

  it('a wrong header still fails first, as the cheaper and truer problem', () => {
    const dir = path.join(root, 'gpt2-large-short');
    writeHubGpt2Folder(dir, { config: { ...GPT2_LARGE, nLayer: 35 }, hollow: true });
    // config.json says 36 layers; the weights hold 35.
    const configPath = path.join(dir, 'config.json');
    writeFileSync(configPath, JSON.stringify({ ...(JSON.parse(readFileSync(configPath, 'utf8')) as object), n_layer: 36 }));
    expect(failureOf(() => readHubModel(dir))).toMatch(/tensor "transformer\.h\.35\.ln_1\.weight" .*is missing/);
  });
});
