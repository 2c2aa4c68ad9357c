import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeGgml } from './ggml-types.ts';
import { gguf, writeGgufFile, type GgufTensor } from './gguf-file.ts';
import { readGguf } from './testing/read-gguf.ts';

const root = mkdtempSync(path.join(tmpdir(), 'crucible-gguf-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

const tensor = (name: string, dims: number[], type: GgufTensor['type'], values: Float32Array): GgufTensor => ({ name, dims, type, encode: () => encodeGgml(type, values) });

describe('writeGgufFile', () => {
  it('writes the header, typed key/values, tensor infos and aligned data that read back', () => {
    const file = path.join(root, 'a.gguf');
    const weights = Float32Array.from({ length: 64 }, (_, index) => index / 64);
    const size = writeGgufFile(file, {
      metadata: [
        ['general.architecture', gguf.string('gpt2')],
        ['gpt2.block_count', gguf.uint32(2)],
        ['gpt2.attention.layer_norm_epsilon', gguf.float32(1e-5)],
        ['tokenizer.ggml.add_bos_token', gguf.bool(false)],
        ['tokenizer.ggml.tokens', gguf.strings(['a', 'Ġb', 'é'])],
        ['tokenizer.ggml.token_type', gguf.int32s([1, 1, 3])],
      ],
      tensors: [tensor('odd.bias', [3], 'F32', Float32Array.of(1, 2, 3)), tensor('w.weight', [32, 2], 'Q8_0', weights), tensor('h.weight', [4, 16], 'F16', weights)],
    });
    const bytes = readFileSync(file);
    expect(bytes.length).toBe(size);
    expect(bytes.subarray(0, 4).toString('latin1')).toBe('GGUF');
    const read = readGguf(file);
    expect(read.version).toBe(3);
    expect(read.dataStart % 32).toBe(0);
    expect(read.metadata.get('general.architecture')).toEqual({ type: 'string', value: 'gpt2' });
    expect(read.metadata.get('gpt2.block_count')).toEqual({ type: 'uint32', value: 2 });
    expect(read.metadata.get('gpt2.attention.layer_norm_epsilon')?.value).toBeCloseTo(1e-5, 10);
    expect(read.metadata.get('tokenizer.ggml.add_bos_token')).toEqual({ type: 'bool', value: false });
    expect(read.metadata.get('tokenizer.ggml.tokens')).toEqual({ type: 'array<string>', value: ['a', 'Ġb', 'é'] });
    expect(read.metadata.get('tokenizer.ggml.token_type')).toEqual({ type: 'array<int32>', value: [1, 1, 3] });
    expect([...read.tensors.keys()]).toEqual(['odd.bias', 'w.weight', 'h.weight']);
    expect(read.tensors.get('odd.bias')).toMatchObject({ dims: [3], type: 'F32', offset: 0 });
    expect(read.tensors.get('w.weight')).toMatchObject({ dims: [32, 2], type: 'Q8_0', offset: 32 });
    expect(read.tensors.get('h.weight')).toMatchObject({ dims: [4, 16], type: 'F16', offset: 32 + 96 });
    expect([...new Float32Array(Uint8Array.from(read.tensors.get('odd.bias')!.data).buffer)]).toEqual([1, 2, 3]);
  });

  it('refuses a value that does not fit its type and a key written twice', () => {
    const file = path.join(root, 'b.gguf');
    expect(() => writeGgufFile(file, { metadata: [['x', gguf.uint32(-1)]], tensors: [] })).toThrow(/key "x" holds -1, not a uint32/);
    expect(() => writeGgufFile(file, { metadata: [['x', gguf.uint32(1)], ['x', gguf.uint32(2)]], tensors: [] })).toThrow(/written twice/);
  });
});
