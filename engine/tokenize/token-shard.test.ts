// Checks token shards and the parallel file encoder: dtype choice, sidecar contents, safe chunk cuts, and that
// encoding a file across worker threads in small chunks gives exactly the ids of encoding it whole.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { encodeFileToShard } from './parallel-encoder.ts';
import { ChunkCutter, lastSafeCut, readTextChunks } from './text-chunks.ts';
import { loadHuggingFaceTokenizer } from './load-hugging-face-tokenizer.ts';
import { TokenShardWriter, dtypeForVocabSize, readTokenShard } from './token-shard.ts';
import { tokenizerHash } from './tokenizer-hash.ts';
import { trainBpe } from './train-bpe.ts';
import { trainChar } from './train-char.ts';

const workDir = mkdtempSync(path.join(tmpdir(), 'crucible-shards-'));
afterAll(() => rmSync(workDir, { recursive: true, force: true }));
const shakespeare = readFileSync(path.resolve(import.meta.dirname, '../../../shared/data/tinyshakespeare.txt'), 'utf8').slice(0, 150_000);

describe('token shards', () => {
  it('uses uint16 up to 65536 tokens and uint32 beyond', () => {
    expect(dtypeForVocabSize(65_536)).toBe('uint16');
    expect(dtypeForVocabSize(65_537)).toBe('uint32');
  });

  it('writes ids and a sidecar that read back unchanged', () => {
    const base = path.join(workDir, 'big-vocab');
    const writer = new TokenShardWriter(base, 100_000, 'sha256:test');
    writer.append([1, 99_999]);
    writer.append(Uint32Array.of(70_000));
    expect(writer.finish()).toMatchObject({ dtype: 'uint32', count: 3, vocabSize: 100_000, tokenizerHash: 'sha256:test' });
    const { ids, sidecar } = readTokenShard(base);
    expect(Array.from(ids)).toEqual([1, 99_999, 70_000]);
    expect(sidecar.byteOrder).toBe('little');
  });

  it('cuts only between a non-space and whitespace, never inside a special token nor right after one', () => {
    expect(lastSafeCut('one two  ', [])).toBe(7);
    expect(lastSafeCut('abc', [])).toBe(-1);
    expect(lastSafeCut('x <|a b|>y', ['<|a b|>'])).toBe(1);
    // An added token with rstrip takes the whitespace after it: the cut goes before the token instead.
    expect(lastSafeCut('x <mask> y', ['<mask>'])).toBe(1);
    // A tokenizer that adds a prefix space is cut only before a space: a chunk starting with "\n" would gain one.
    expect(lastSafeCut('one two\nthree', [])).toBe(7);
    expect(lastSafeCut('one two\nthree', [], undefined, 0, 'space')).toBe(3);
  });

  it('finds no cut in a growing line without whitespace, and the cut once whitespace comes', () => {
    const cutter = new ChunkCutter(10, []);
    let pending = 'x';
    for (let read = 0; read < 50; read++) {
      pending += 'a'.repeat(1_000);
      expect(cutter.next(pending)).toBe(-1);
    }
    pending += ' tail';
    expect(cutter.next(pending)).toBe(pending.length - 5);
  });

  it('encodes a file with an add_prefix_space tokenizer in small chunks to the same ids as one encode call', async () => {
    const json = trainBpe(shakespeare, { vocabSize: 600 }).toHuggingFaceJson();
    (json.pre_tokenizer as Record<string, unknown>)['add_prefix_space'] = true;
    const tokenizer = loadHuggingFaceTokenizer(json);
    expect(tokenizer.addsPrefixSpace).toBe(true);
    const inputPath = path.join(workDir, 'prefixed.txt');
    const text = shakespeare.slice(0, 40_000);
    writeFileSync(inputPath, text);
    await encodeFileToShard({ inputPath, outputBase: path.join(workDir, 'prefixed'), tokenizer, workerCount: 2, chunkChars: 2_000 });
    expect(Array.from(readTokenShard(path.join(workDir, 'prefixed')).ids)).toEqual(tokenizer.encode(text));
  });

  it('splits a stream into chunks that never cut a special token arriving in a later read', async () => {
    const inputPath = path.join(workDir, 'specials.txt');
    const text = 'word <|a b|> '.repeat(200_000);
    writeFileSync(inputPath, text);
    const chunks: string[] = [];
    for await (const chunk of readTextChunks(inputPath, 5_000, ['<|a b|>'])) chunks.push(chunk.text);
    expect(chunks.join('')).toBe(text);
    expect(chunks.length).toBeGreaterThan(100);
    expect(chunks.every((chunk) => !chunk.endsWith('<|a') && chunk.length <= 5_000)).toBe(true);
  });

  it('encodes a file in small chunks across workers to the same ids as one encode call', async () => {
    const tokenizer = trainBpe(shakespeare, { vocabSize: 600 });
    const inputPath = path.join(workDir, 'input.txt');
    const text = `${shakespeare}<|endoftext|>\n\n  tail  \r\n`;
    writeFileSync(inputPath, text);
    const progress: number[] = [];
    const sidecar = await encodeFileToShard({ inputPath, outputBase: path.join(workDir, 'train'), tokenizer, workerCount: 2, chunkChars: 7_000, onProgress: ({ tokens }) => progress.push(tokens) });
    const expected = tokenizer.encode(text);
    expect(sidecar).toMatchObject({ dtype: 'uint16', count: expected.length, tokenizerHash: tokenizerHash(tokenizer) });
    expect(Array.from(readTokenShard(path.join(workDir, 'train')).ids)).toEqual(expected);
    expect(progress.length).toBeGreaterThan(10);
    expect(progress[progress.length - 1]).toBe(expected.length);
  });

  it('hashes different tokenizers differently', () => {
    expect(tokenizerHash(trainChar('abc'))).not.toBe(tokenizerHash(trainChar('abd')));
  });
});
