// Token shards: ids as a flat little-endian binary (uint16 when the vocabulary fits, else uint32) plus a small JSON
// sidecar (dtype, count, vocab size, tokenizer hash). Written incrementally so shards can exceed memory.
import { closeSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { endianness } from 'node:os';

export const TOKEN_SHARD_FORMAT = 'crucible.tokens';
export const TOKEN_SHARD_VERSION = 1;

export type TokenDtype = 'uint16' | 'uint32';

export interface TokenShardSidecar {
  format: typeof TOKEN_SHARD_FORMAT;
  version: typeof TOKEN_SHARD_VERSION;
  dtype: TokenDtype;
  byteOrder: 'little';
  count: number;
  vocabSize: number;
  tokenizerHash: string;
}

export function dtypeForVocabSize(vocabSize: number): TokenDtype {
  return vocabSize <= 0x10000 ? 'uint16' : 'uint32';
}

/** `base` without extension: ids go to `base.bin`, the sidecar to `base.json`. */
export function shardPaths(base: string): { binPath: string; sidecarPath: string } {
  return { binPath: `${base}.bin`, sidecarPath: `${base}.json` };
}

const isLittleEndianHost = endianness() === 'LE';

export class TokenShardWriter {
  readonly dtype: TokenDtype;
  private readonly fd: number;
  private count = 0;

  constructor(private readonly base: string, private readonly vocabSize: number, private readonly tokenizerHash: string) {
    this.dtype = dtypeForVocabSize(vocabSize);
    this.fd = openSync(shardPaths(base).binPath, 'w');
  }

  append(ids: ArrayLike<number>): void {
    const typed = this.dtype === 'uint16' ? Uint16Array.from(ids) : Uint32Array.from(ids);
    const bytes = Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength);
    if (!isLittleEndianHost) (this.dtype === 'uint16' ? bytes.swap16() : bytes.swap32());
    writeSync(this.fd, bytes);
    this.count += ids.length;
  }

  /** Closes the binary without a sidecar, for a run that failed or was cancelled: readers refuse such a shard. */
  abandon(): void {
    closeSync(this.fd);
  }

  /** Closes the binary and writes the sidecar last, so a sidecar only exists for a complete shard. */
  finish(): TokenShardSidecar {
    closeSync(this.fd);
    const sidecar: TokenShardSidecar = { format: TOKEN_SHARD_FORMAT, version: TOKEN_SHARD_VERSION, dtype: this.dtype, byteOrder: 'little', count: this.count, vocabSize: this.vocabSize, tokenizerHash: this.tokenizerHash };
    writeFileSync(shardPaths(this.base).sidecarPath, `${JSON.stringify(sidecar, null, 2)}\n`);
    return sidecar;
  }
}

/** Reads a whole shard into memory (for tests and small splits; training reads slices with its own loader). */
export function readTokenShard(base: string): { sidecar: TokenShardSidecar; ids: Uint16Array | Uint32Array } {
  const { binPath, sidecarPath } = shardPaths(base);
  const sidecar = JSON.parse(readFileSync(sidecarPath, 'utf8')) as TokenShardSidecar;
  if (sidecar.format !== TOKEN_SHARD_FORMAT) throw new Error(`${sidecarPath}: format is ${JSON.stringify(sidecar.format)}, expected "${TOKEN_SHARD_FORMAT}"`);
  const bytes = readFileSync(binPath);
  const width = sidecar.dtype === 'uint16' ? 2 : 4;
  if (bytes.length !== sidecar.count * width) throw new Error(`${binPath}: holds ${bytes.length} bytes but the sidecar says ${sidecar.count} ${sidecar.dtype} ids (${sidecar.count * width} bytes); re-encode the split`);
  if (!isLittleEndianHost) (width === 2 ? bytes.swap16() : bytes.swap32());
  const aligned = new Uint8Array(bytes).buffer;
  return { sidecar, ids: width === 2 ? new Uint16Array(aligned) : new Uint32Array(aligned) };
}
