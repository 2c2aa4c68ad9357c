// The Hugging Face model folder: safetensors bytes follow the format (header, dtype, shapes, offsets, alignment),
// config.json carries GPT2Config's fields, a bias-free model exports zero biases, and the folder reads back; a path
// that is no Crucible model folder (none at all, a hub download) says what it is and what to do.

import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { gpt2Config } from '../gpt2/config.ts';
import { initGpt2Parameters } from '../gpt2/parameters.ts';
import { writeHubGpt2Folder, writePickleOnlyFolder } from '../import/testing/hub-folder.ts';
import type { HostTensor } from '../tensor/host-tensor.ts';
import { MODEL_FILES, readModelFolder, specialTokenIds, writeModelFolder } from './model-folder.ts';
import { readSafetensors, writeSafetensors } from './safetensors.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-export-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('safetensors', () => {
  it('writes the documented layout: u64 header length, aligned JSON header, contiguous little-endian data', () => {
    const file = path.join(root, 'layout.safetensors');
    const weight = { dtype: 'float32' as const, shape: [2, 3], data: Float32Array.from([1, 2, 3, 4, 5, 6.5]) };
    const ids = { dtype: 'int64' as const, shape: [2], data: BigInt64Array.from([7n, -1n]) };
    writeSafetensors(file, new Map<string, HostTensor>([['b.weight', weight], ['a.ids', ids]]), { format: 'pt' });
    const bytes = readFileSync(file);
    const headerLength = Number(bytes.readBigUInt64LE(0));
    expect((8 + headerLength) % 8).toBe(0);
    const header = JSON.parse(bytes.subarray(8, 8 + headerLength).toString('utf8'));
    expect(header).toEqual({
      __metadata__: { format: 'pt' },
      'a.ids': { dtype: 'I64', shape: [2], data_offsets: [0, 16] },
      'b.weight': { dtype: 'F32', shape: [2, 3], data_offsets: [16, 40] },
    });
    expect(bytes.length).toBe(8 + headerLength + 40);
    expect(bytes.readFloatLE(8 + headerLength + 16 + 5 * 4)).toBe(6.5);
    expect(bytes.readBigInt64LE(8 + headerLength + 8)).toBe(-1n);
    const read = readSafetensors(file);
    expect(read.tensors.get('b.weight')).toEqual(weight);
    expect(read.tensors.get('a.ids')).toEqual(ids);
    expect(read.metadata).toEqual({ format: 'pt' });
  });
});

describe('model folder', () => {
  const tokenizerJson = JSON.stringify({ model: { type: 'BPE', unk_token: '<unk>', vocab: {}, merges: [] }, added_tokens: [{ id: 9, content: '<unk>', special: true }, { id: 10, content: '<|endoftext|>', special: true }] });

  it('writes config, weights under HF names, generation config, decoder, tokenizer and provenance; reads them back', () => {
    const config = gpt2Config({ vocabSize: 11, nLayer: 2, nHead: 2, nEmbd: 8, blockSize: 16 });
    const parameters = initGpt2Parameters(config, 4);
    const tokenizerPath = path.join(root, 'tokenizer.json');
    writeFileSync(tokenizerPath, tokenizerJson);
    const folder = path.join(root, 'model');
    const written = writeModelFolder(folder, { config, parameters, tokenizerJsonPath: tokenizerPath, tokenizerConfigJsonPath: null, provenance: { node: 'train', metrics: { valLoss: 2 } } });
    for (const name of written) expect(existsSync(path.join(folder, name)), name).toBe(true);
    expect(written).toContain(MODEL_FILES.decoder);
    const hfConfig = JSON.parse(readFileSync(path.join(folder, MODEL_FILES.config), 'utf8'));
    expect(hfConfig).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], vocab_size: 11, n_layer: 2, n_head: 2, n_embd: 8, n_positions: 16, activation_function: 'gelu_new', tie_word_embeddings: true, bos_token_id: 10, eos_token_id: 10 });
    const { tensors } = readSafetensors(path.join(folder, MODEL_FILES.weights));
    expect(tensors.get('transformer.h.1.attn.c_attn.weight')?.shape).toEqual([8, 24]);
    expect(tensors.get('transformer.h.0.mlp.c_proj.weight')?.shape).toEqual([32, 8]);
    expect(tensors.has('lm_head.weight')).toBe(false);
    const loaded = readModelFolder(folder);
    expect(loaded.config).toEqual(config);
    for (const [name, tensor] of parameters) expect(loaded.parameters.get(name)?.data, name).toEqual(tensor.data);
    expect(loaded.tokenizerJson).toBe(tokenizerJson);
    expect(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.provenance), 'utf8'))).toEqual({ node: 'train', metrics: { valLoss: 2 } });
  });

  it('exports a model trained without biases with zero biases, and fails clearly on a missing file', () => {
    const config = gpt2Config({ vocabSize: 7, nLayer: 1, nHead: 1, nEmbd: 4, blockSize: 8, bias: false });
    const folder = path.join(root, 'no-bias');
    writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, 5), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: {} });
    const { tensors } = readSafetensors(path.join(folder, MODEL_FILES.weights));
    expect(Array.from(tensors.get('transformer.h.0.attn.c_attn.bias')?.data as Float32Array)).toEqual(new Array(12).fill(0));
    expect(JSON.parse(readFileSync(path.join(folder, MODEL_FILES.config), 'utf8'))).toMatchObject({ bos_token_id: null, crucible_trained_bias: false });
    rmSync(path.join(folder, MODEL_FILES.weights));
    expect(() => readModelFolder(folder)).toThrow(/model\.safetensors is missing/);
  });

  it('picks the first special token that is not unk as BOS/EOS', () => {
    expect(specialTokenIds(tokenizerJson)).toEqual({ bos: 10, eos: 10 });
    expect(specialTokenIds(JSON.stringify({ model: { unk_token: '<unk>' }, added_tokens: [{ id: 3, content: '<unk>', special: true }] }))).toEqual({ bos: null, eos: null });
  });
});

describe('a damaged model folder file names itself, says what is wrong and what to do', () => {
  /** Bytes of a file that is not text at all, as a bad copy or a wrong download leaves behind. */
  const BINARY = Buffer.from([0x89, 0xff, 0xfe, 0x00, 0x1b, 0x5b, 0x33, 0x31, 0x6d, 0x80, 0x90, 0x41]);

  function damagedFolder(name: string, damage: (folder: string) => void): string {
    const config = gpt2Config({ vocabSize: 7, nLayer: 1, nHead: 1, nEmbd: 4, blockSize: 8 });
    const folder = path.join(root, name);
    writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, 6), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: {} });
    damage(folder);
    return folder;
  }

  it('a safetensors header overwritten with binary bytes', () => {
    const folder = damagedFolder('binary-header', (at) => {
      const weights = readFileSync(path.join(at, MODEL_FILES.weights));
      BINARY.copy(weights, 8);
      writeFileSync(path.join(at, MODEL_FILES.weights), weights);
    });
    const message = failureOf(folder);
    expect(message).toBe(`${path.join(folder, MODEL_FILES.weights)}: the header is not JSON: it holds binary data; the file is damaged or not a safetensors file — re-export or re-download it`);
  });

  it('a safetensors header that is text but not JSON, quoted without its raw characters', () => {
    const folder = damagedFolder('text-header', (at) => {
      const weights = readFileSync(path.join(at, MODEL_FILES.weights));
      weights.write('{"a": é', 8, 'utf8');
      writeFileSync(path.join(at, MODEL_FILES.weights), weights);
    });
    const message = failureOf(folder);
    expect(message).toMatch(/model\.safetensors: the header is not valid JSON at line 1, column 7 \(.*\); the file is damaged or not a safetensors file/);
    expect(message).toMatch(/^[\x20-\x7e—]*$/);
  });

  it('a safetensors length prefix that points past the end, and a Git LFS pointer in place of the weights', () => {
    const pastEnd = damagedFolder('past-end', (at) => {
      const weights = readFileSync(path.join(at, MODEL_FILES.weights));
      weights.fill(0xff, 0, 8);
      writeFileSync(path.join(at, MODEL_FILES.weights), weights);
    });
    expect(failureOf(pastEnd)).toMatch(/model\.safetensors: its first 8 bytes give a header of 18446744073709551615 bytes, past the end of the \d+-byte file; the file is truncated/);
    const pointer = damagedFolder('lfs-pointer', (at) => writeFileSync(path.join(at, MODEL_FILES.weights), 'version https://git-lfs.github.com/spec/v1\noid sha256:abc\nsize 123\n'));
    expect(failureOf(pointer)).toMatch(/model\.safetensors: a Git LFS pointer, not the weights; run `git lfs pull`/);
  });

  it('a safetensors header entry whose offsets make no sense', () => {
    const file = path.join(root, 'bad-offsets.safetensors');
    const header = Buffer.from(JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [8, 0] } }));
    const length = Buffer.alloc(8);
    length.writeBigUInt64LE(BigInt(header.length));
    writeFileSync(file, Buffer.concat([length, header, Buffer.alloc(8)]));
    expect(() => readSafetensors(file)).toThrow(`${file}: the header entry of tensor "w" has no valid data_offsets; the file is damaged or not a safetensors file — re-export or re-download it`);
  });

  it('a config.json of binary bytes or of the wrong JSON', () => {
    const binary = damagedFolder('binary-config', (at) => writeFileSync(path.join(at, MODEL_FILES.config), BINARY));
    const message = failureOf(binary);
    expect(message).toBe(`${path.join(binary, MODEL_FILES.config)}: not JSON: it holds binary data; the file is damaged or not a Hugging Face config.json — re-run the node that produced the model, or download it again`);
    const list = damagedFolder('list-config', (at) => writeFileSync(path.join(at, MODEL_FILES.config), '[1, 2]'));
    expect(failureOf(list)).toMatch(/config\.json: expected a JSON object, found an array; the file is damaged/);
  });
});

describe('a path that is not a Crucible model folder says what it is instead, and what to do', () => {
  it('a folder that does not exist, and a file', () => {
    const nowhere = path.join(root, 'no-such-folder');
    expect(failureOf(nowhere)).toBe(`model folder ${nowhere}: there is no such folder; check the path`);
    const file = path.join(root, 'a-file');
    writeFileSync(file, 'not a folder');
    expect(failureOf(file)).toBe(`model folder ${file}: this is a file, not a folder; give the folder that holds config.json`);
  });

  it('a folder downloaded from the hub: import it with a model node, not "re-run the node that produced it"', () => {
    const hub = path.join(root, 'hub-gpt2');
    writeHubGpt2Folder(hub, { config: { vocabSize: 300, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 16 } });
    const message = failureOf(hub);
    expect(message).toBe(
      `${hub} is a Hugging Face model folder, not a Crucible one (it has no ${MODEL_FILES.decoder}): import it with a \`model\` node in a pipeline, its \`path\` set to this folder; ` +
        '`crucible run` prints the Crucible model folder the node writes, which serve and export take (or connect deploy or export nodes to the model node)',
    );
    expect(message).not.toContain('re-run');
  });

  it('a hub folder with pickle weights only: convert them first', () => {
    const pickled = path.join(root, 'hub-pickle');
    writePickleOnlyFolder(pickled);
    expect(failureOf(pickled)).toMatch(/is a Hugging Face model folder, not a Crucible one .*; convert its pytorch_model\.bin to model\.safetensors first, as the model node never loads pickle files; `crucible run` prints/);
  });

  it('a Crucible folder that lost its decoder is damaged, not a hub download', () => {
    const config = gpt2Config({ vocabSize: 7, nLayer: 1, nHead: 1, nEmbd: 4, blockSize: 8 });
    const folder = path.join(root, 'lost-decoder');
    writeModelFolder(folder, { config, parameters: initGpt2Parameters(config, 7), tokenizerJsonPath: null, tokenizerConfigJsonPath: null, provenance: {} });
    rmSync(path.join(folder, MODEL_FILES.decoder));
    expect(failureOf(folder)).toBe(`model folder ${folder}: ${MODEL_FILES.decoder} is missing; re-run the node that produced the model`);
  });
});

/** The message readModelFolder refuses a folder with. */
function failureOf(folder: string): string {
  try {
    readModelFolder(folder);
  } catch (error) {
    return (error as Error).message;
  }
  throw new Error(`${folder} loaded`);
}
