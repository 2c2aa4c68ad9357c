// Tests for reading batches from token shards: windows line up with the shard, the sampler is deterministic and
// resumable from its state, fixed batches repeat, a too-short split fails clearly, and a loss mask gives each target
// its own mask byte; a shard or mask cut short is refused when it is opened.

import { mkdtempSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { TokenShardWriter } from '../../tokenize/index.ts';
import { fixedWindowStarts, RandomWindowSampler, readBatch, TokenShardReader } from './token-windows.ts';

const folder = mkdtempSync(path.join(tmpdir(), 'crucible-windows-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

function writeShard(name: string, ids: number[], vocabSize: number): TokenShardReader {
  const writer = new TokenShardWriter(path.join(folder, name), vocabSize, 'sha256:test');
  writer.append(ids);
  writer.finish();
  return TokenShardReader.open(path.join(folder, name));
}

const rows = (batch: { tokens: { data: unknown } }) => Array.from(batch.tokens.data as BigInt64Array, Number);

describe('token windows', () => {
  it('reads tokens and next-token targets at the window starts, for uint16 and uint32 shards', () => {
    const ids = Array.from({ length: 50 }, (_, index) => (index * 7) % 23);
    for (const [name, vocabSize, scale] of [['small', 100, 1], ['large', 100_000, 4001]] as const) {
      const reader = writeShard(name, ids.map((id) => id * scale), vocabSize);
      const batch = readBatch(reader, [0, 10, 45], 4);
      expect(batch.tokens.shape).toEqual([3, 4]);
      expect(rows(batch)).toEqual([...ids.slice(0, 4), ...ids.slice(10, 14), ...ids.slice(45, 49)].map((id) => id * scale));
      expect(Array.from(batch.targets.data as BigInt64Array, Number)).toEqual([...ids.slice(1, 5), ...ids.slice(11, 15), ...ids.slice(46, 50)].map((id) => id * scale));
      expect(() => readBatch(reader, [47], 4)).toThrow(/outside the shard's 50 ids/);
      reader.close();
    }
  });

  it('draws the same windows for a seed and continues exactly from a saved state', () => {
    const reader = writeShard('sampler', Array.from({ length: 1000 }, (_, index) => index % 500), 500);
    const draw = (sampler: RandomWindowSampler, count: number) => Array.from({ length: count }, () => rows(sampler.next()));
    const shape = { batch: 3, time: 8 };
    const first = draw(new RandomWindowSampler(reader, shape, 5), 6);
    expect(draw(new RandomWindowSampler(reader, shape, 5), 6)).toEqual(first);
    expect(draw(new RandomWindowSampler(reader, shape, 6), 6)).not.toEqual(first);
    const interrupted = new RandomWindowSampler(reader, shape, 5);
    draw(interrupted, 2);
    const resumed = new RandomWindowSampler(reader, shape, 999);
    resumed.restore(interrupted.state);
    expect(draw(resumed, 4)).toEqual(first.slice(2));
    for (const row of first.flat()) expect(row).toBeLessThan(500);
    reader.close();
  });

  it('keeps fixed evaluation windows identical across calls and inside the split', () => {
    const reader = writeShard('val', Array.from({ length: 40 }, (_, index) => index), 64);
    const starts = fixedWindowStarts(reader, { batch: 4, time: 8 }, 3, 11, 'val');
    expect(fixedWindowStarts(reader, { batch: 4, time: 8 }, 3, 11, 'val')).toEqual(starts);
    expect(starts.flat().every((start) => start >= 0 && start + 9 <= 40)).toBe(true);
    expect(new Set(starts.flat()).size).toBeGreaterThan(3);
    expect(() => fixedWindowStarts(reader, { batch: 1, time: 40 }, 1, 1, 'val')).toThrow(/val split .* has 40 tokens; windows of 41 need more/);
    reader.close();
  });

  it('gives each target the mask byte of its own id, and refuses a mask that does not match the shard', () => {
    const ids = Array.from({ length: 30 }, (_, index) => index);
    const mask = ids.map((index) => (Math.floor(index / 5) % 2 === 1 ? 1 : 0));
    writeShard('masked', ids, 64).close();
    writeFileSync(path.join(folder, 'masked.mask.bin'), Uint8Array.from(mask));
    const reader = TokenShardReader.open(path.join(folder, 'masked'), path.join(folder, 'masked.mask.bin'));
    expect(reader.masked).toBe(true);
    const batch = readBatch(reader, [0, 12], 6);
    expect(batch.lossWeights?.shape).toEqual([2, 6]);
    expect(Array.from(batch.lossWeights?.data as Float32Array)).toEqual([...mask.slice(1, 7), ...mask.slice(13, 19)]);
    reader.close();
    const plain = TokenShardReader.open(path.join(folder, 'masked'));
    expect(readBatch(plain, [0], 6).lossWeights).toBeUndefined();
    plain.close();
    writeFileSync(path.join(folder, 'short.mask.bin'), Uint8Array.from(mask.slice(1)));
    expect(() => TokenShardReader.open(path.join(folder, 'masked'), path.join(folder, 'short.mask.bin'))).toThrow(/loss mask has 29 entries but its shard has 30 ids.*--force <tokenizer node id>/);
  });

  it('refuses at open a shard shorter or longer than its sidecar, saying how to get past the cache', () => {
    for (const [name, vocabSize, width] of [['cut16', 100, 2], ['cut32', 100_000, 4]] as const) {
      writeShard(name, Array.from({ length: 1000 }, (_, index) => index % 90), vocabSize).close();
      const bin = path.join(folder, `${name}.bin`);
      expect(statSync(bin).size).toBe(1000 * width);
      // Cut at the end, where the first batches would not look for a long time.
      truncateSync(bin, 900 * width + 1);
      const open = () => TokenShardReader.open(path.join(folder, name));
      expect(open).toThrow(`${bin}: holds ${900 * width + 1} bytes but its sidecar says 1000 uint${width * 8} ids (${1000 * width} bytes)`);
      expect(open).toThrow(/--force <tokenizer node id>` \(a plain re-run is a cache hit .*\), or delete the Tokens artifact folder/);
    }
    writeShard('long', Array.from({ length: 50 }, (_, index) => index), 64).close();
    writeFileSync(path.join(folder, 'long.bin'), new Uint8Array(102));
    expect(() => TokenShardReader.open(path.join(folder, 'long'))).toThrow(/holds 102 bytes but its sidecar says 50 uint16 ids \(100 bytes\)/);
  });
});
