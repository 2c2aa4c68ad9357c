// Training and validation batches drawn from a token shard without loading it: each row is a window of T+1 ids read
// at its offset in the shard file, and, for a chat corpus, the loss mask of its targets from the mask file beside it.
// Training windows come from a seeded generator whose position is checkpointed.

import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import path from 'node:path';
import { shardPaths, type TokenShardSidecar } from '../../tokenize/index.ts';
import { TOKEN_SHARD_FORMAT } from '../../tokenize/token-shard.ts';
import type { TrainBatch } from './step/train-batch.ts';
import { createRandom, type Random } from '../tensor/random.ts';

export interface BatchShape {
  /** Rows per batch (B). */
  batch: number;
  /** Tokens per row (T); each row reads T+1 ids so targets are the next tokens. */
  time: number;
}

/** An open shard (and its loss mask, when it has one) read in slices; `close()` releases the files. */
export class TokenShardReader {
  private constructor(
    readonly base: string,
    readonly sidecar: TokenShardSidecar,
    private readonly fd: number,
    private readonly mask: { path: string; fd: number } | null,
  ) {}

  /**
   * `base` is the shard path without extension (`<base>.bin` + `<base>.json`); `maskPath`, for a chat corpus, a file
   * of one uint8 per id (1 = the id is a trained target), as the Tokens artifact's `lossMask` names it.
   */
  static open(base: string, maskPath: string | null = null): TokenShardReader {
    const { binPath, sidecarPath } = shardPaths(base);
    const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as TokenShardSidecar;
    if (sidecar.format !== TOKEN_SHARD_FORMAT) throw new Error(`${sidecarPath}: format is ${JSON.stringify(sidecar.format)}, expected "${TOKEN_SHARD_FORMAT}"; re-run the tokenizer node`);
    if (sidecar.dtype !== 'uint16' && sidecar.dtype !== 'uint32') throw new Error(`${sidecarPath}: dtype ${JSON.stringify(sidecar.dtype)} must be uint16 or uint32`);
    const fd = openShard(binPath, sidecar);
    try {
      const mask = maskPath === null ? null : openMask(maskPath, sidecar.count);
      return new TokenShardReader(base, sidecar, fd, mask);
    } catch (error) {
      closeSync(fd);
      throw error;
    }
  }

  get count(): number {
    return this.sidecar.count;
  }

  /** Whether the shard has a loss mask; batches then carry `lossWeights`. */
  get masked(): boolean {
    return this.mask !== null;
  }

  /** Reads mask bytes [start, start + length) into `target` as 0/1 floats, beginning at `targetOffset`. */
  readMaskInto(start: number, length: number, target: Float32Array, targetOffset: number): void {
    if (this.mask === null) throw new Error(`${this.base}.bin has no loss mask to read`);
    const bytes = new Uint8Array(length);
    const read = readSync(this.mask.fd, bytes, 0, length, start);
    if (read !== length) throw new Error(`${this.mask.path}: read ${read} of ${length} mask bytes at id ${start}; the mask is shorter than its shard — ${damagedTokensRemedy(this.mask.path)}`);
    for (let index = 0; index < length; index++) target[targetOffset + index] = bytes[index] === 0 ? 0 : 1;
  }

  /** Reads ids [start, start + length) into `target` as int64, beginning at `targetOffset`. */
  readInto(start: number, length: number, target: BigInt64Array, targetOffset: number): void {
    if (start < 0 || start + length > this.count) throw new Error(`${this.base}.bin: window [${start}, ${start + length}) is outside the shard's ${this.count} ids`);
    const width = this.sidecar.dtype === 'uint16' ? 2 : 4;
    const bytes = new Uint8Array(length * width);
    const read = readSync(this.fd, bytes, 0, bytes.length, start * width);
    if (read !== bytes.length) throw new Error(`${this.base}.bin: read ${read} of ${bytes.length} bytes at id ${start}; the shard is shorter than its sidecar says — ${damagedTokensRemedy(`${this.base}.bin`)}`);
    const view = new DataView(bytes.buffer);
    for (let index = 0; index < length; index++) {
      target[targetOffset + index] = BigInt(width === 2 ? view.getUint16(index * 2, true) : view.getUint32(index * 4, true));
    }
  }

  close(): void {
    closeSync(this.fd);
    if (this.mask !== null) closeSync(this.mask.fd);
  }
}

/**
 * What to do about a damaged Tokens artifact. Its cache key still matches, so a plain re-run answers from the cache
 * with these same files: the tokenizer node must be forced, or the artifact deleted so the cache misses.
 */
function damagedTokensRemedy(file: string): string {
  return `re-run the tokenizer node that wrote it with \`crucible run <pipeline> --force <tokenizer node id>\` (a plain re-run is a cache hit and hands back these same files), or delete the Tokens artifact folder ${path.dirname(file)} and run again`;
}

/**
 * Opens the shard's ids after checking that the file holds exactly the sidecar's count: a shard cut short (a copy
 * interrupted, a disk error) would otherwise fail only when a random training window first reaches the missing part,
 * possibly hours into a run.
 */
function openShard(binPath: string, sidecar: TokenShardSidecar): number {
  const fd = openSync(binPath, 'r');
  const bytes = fstatSync(fd).size;
  const expected = sidecar.count * (sidecar.dtype === 'uint16' ? 2 : 4);
  if (bytes !== expected) {
    closeSync(fd);
    throw new Error(`${binPath}: holds ${bytes} bytes but its sidecar says ${sidecar.count} ${sidecar.dtype} ids (${expected} bytes); the shard is damaged — ${damagedTokensRemedy(binPath)}`);
  }
  return fd;
}

function openMask(maskPath: string, count: number): { path: string; fd: number } {
  const fd = openSync(maskPath, 'r');
  const bytes = fstatSync(fd).size;
  if (bytes !== count) {
    closeSync(fd);
    throw new Error(`${maskPath}: the loss mask has ${bytes} entries but its shard has ${count} ids (one uint8 per id expected); ${damagedTokensRemedy(maskPath)}`);
  }
  return { path: maskPath, fd };
}

/**
 * The batch starting at the given window starts: tokens = ids[s, s+T), targets = ids[s+1, s+T+1), and for a masked
 * shard lossWeights = mask[s+1, s+T+1), the mask of each target.
 */
export function readBatch(reader: TokenShardReader, starts: readonly number[], time: number): TrainBatch {
  const batch = starts.length;
  const window = new BigInt64Array(time + 1);
  const tokens = new BigInt64Array(batch * time);
  const targets = new BigInt64Array(batch * time);
  const weights = reader.masked ? new Float32Array(batch * time) : null;
  starts.forEach((start, row) => {
    reader.readInto(start, time + 1, window, 0);
    tokens.set(window.subarray(0, time), row * time);
    targets.set(window.subarray(1), row * time);
    if (weights !== null) reader.readMaskInto(start + 1, time, weights, row * time);
  });
  const read: TrainBatch = { tokens: { dtype: 'int64', shape: [batch, time], data: tokens }, targets: { dtype: 'int64', shape: [batch, time], data: targets } };
  return weights === null ? read : { ...read, lossWeights: { dtype: 'float32', shape: [batch, time], data: weights } };
}

function windowStartLimit(reader: TokenShardReader, time: number, splitName: string): number {
  const limit = reader.count - time;
  if (limit < 1) throw new Error(`${splitName} split (${reader.base}) has ${reader.count} tokens; windows of ${time + 1} need more — lower blockSize or add data`);
  return limit;
}

/** Random training windows; the generator's position is part of a checkpoint so a resumed run draws the same ones. */
export class RandomWindowSampler {
  private random: Random;
  private readonly limit: number;

  constructor(
    private readonly reader: TokenShardReader,
    private readonly shape: BatchShape,
    seed: number,
  ) {
    this.limit = windowStartLimit(reader, shape.time, 'train');
    this.random = createRandom(seed);
  }

  next(): TrainBatch {
    const starts = Array.from({ length: this.shape.batch }, () => this.random.int(this.limit));
    return readBatch(this.reader, starts, this.shape.time);
  }

  get state(): number {
    return this.random.snapshot();
  }

  restore(state: number): void {
    this.random = createRandom(state);
  }
}

/**
 * Window starts of `count` batches at fixed, seeded positions: the same for every evaluation, run and resume.
 * Only the starts are kept; read each batch with readBatch when it is needed.
 */
export function fixedWindowStarts(reader: TokenShardReader, shape: BatchShape, count: number, seed: number, splitName: string): number[][] {
  const limit = windowStartLimit(reader, shape.time, splitName);
  const random = createRandom(seed);
  return Array.from({ length: count }, () => Array.from({ length: shape.batch }, () => random.int(limit)));
}
