// Block-wise weight-only quantization into ONNX Runtime's MatMulNBits layout (4 or 8 bits), and the JS dequantize
// reference the tests and the report compare against. Legend: K input features (rows of x @ W), N output features.
//
// Layout (com.microsoft.MatMulNBits, which computes Y = A · dequant(B)ᵀ with B stored per output column):
// - B: uint8 [N, kBlocks, blockSize·bits/8]; codes run along K; with 4 bits the even k sits in the low nibble.
// - scales: float32 [N · kBlocks], block b of column n at n·kBlocks + b.
// - zero points (asymmetric only): uint8 [N · ⌈kBlocks·bits/8⌉], same nibble order; symmetric blocks use ORT's
//   default 2^(bits−1), so no tensor is written.
// A weight is code · scale after subtracting the zero point. When blockSize does not divide K, the last block is
// padded with codes equal to the zero point (they dequantize to 0 and meet only the padding, which ORT ignores).

export type QuantizationBits = 4 | 8;
export type QuantizationBlockSize = 16 | 32 | 64 | 128;

export interface BlockQuantizationOptions {
  bits: QuantizationBits;
  blockSize: QuantizationBlockSize;
  /** Symmetric: scale = max|w| / (2^(bits−1) − 1) around the default zero point. Asymmetric: [min, max] ∪ {0} over all codes. */
  symmetric: boolean;
}

/** How the float32 weight is stored: `kn` is [K, N] (our MatMul and Conv1D weights), `nk` is [N, K] (the tied head's wte). */
export type WeightLayout = 'kn' | 'nk';

export interface BlockQuantizedWeight extends BlockQuantizationOptions {
  K: number;
  N: number;
  kBlocks: number;
  /** uint8 [N, kBlocks, blockSize·bits/8]. */
  packed: Uint8Array;
  /** float32 [N · kBlocks]. */
  scales: Float32Array;
  /** uint8 [N · ⌈kBlocks·bits/8⌉], or null for symmetric (the default zero point). */
  zeroPoints: Uint8Array | null;
}

export function bytesPerBlock(options: BlockQuantizationOptions): number {
  return (options.blockSize * options.bits) / 8;
}

export function zeroPointBytesPerColumn(kBlocks: number, bits: QuantizationBits): number {
  return Math.ceil((kBlocks * bits) / 8);
}

export function defaultZeroPoint(bits: QuantizationBits): number {
  return 2 ** (bits - 1);
}

/** Columns gathered per pass from a [K, N] weight: each pass reads K rows of this many contiguous values. */
const COLUMN_TILE = 64;

/** Quantizes `weight` (K·N float32 values in `layout`) block by block along K, per output column n. */
export function quantizeBlocks(weight: Float32Array, K: number, N: number, layout: WeightLayout, options: BlockQuantizationOptions): BlockQuantizedWeight {
  if (weight.length !== K * N) throw new Error(`quantizeBlocks: a ${K}×${N} weight needs ${K * N} values, got ${weight.length}`);
  const { bits, blockSize } = options;
  const kBlocks = Math.ceil(K / blockSize);
  const blockBytes = bytesPerBlock(options);
  const packed = new Uint8Array(N * kBlocks * blockBytes);
  const scales = new Float32Array(N * kBlocks);
  const zeroPoints = options.symmetric ? null : new Uint8Array(N * zeroPointBytesPerColumn(kBlocks, bits));
  const maxCode = 2 ** bits - 1;
  // One block's codes before packing, reused block to block (a subarray per block cost more than the codes).
  const codes = new Uint8Array(blockSize);
  // A [K, N] weight is read COLUMN_TILE columns at a time into [tile, K] (row by row, so reads stay sequential);
  // an [N, K] one already holds each column's K values together.
  const tile = layout === 'kn' ? new Float32Array(Math.min(COLUMN_TILE, N) * K) : null;
  for (let first = 0; first < N; first += COLUMN_TILE) {
    const width = Math.min(COLUMN_TILE, N - first);
    if (tile !== null) {
      for (let k = 0; k < K; k++) {
        for (let c = 0, from = k * N + first; c < width; c++, from++) tile[c * K + k] = weight[from]!;
      }
    }
    for (let c = 0; c < width; c++) {
      const n = first + c;
      const source = tile ?? weight;
      const columnStart = tile === null ? n * K : c * K;
      for (let b = 0; b < kBlocks; b++) {
        const start = columnStart + b * blockSize;
        const length = Math.min(blockSize, K - b * blockSize);
        const { scale, zeroPoint } = blockParameters(source, start, length, options);
        scales[n * kBlocks + b] = scale;
        if (zeroPoints !== null) writeCode(zeroPoints, n * zeroPointBytesPerColumn(kBlocks, bits), b, zeroPoint, bits);
        const blockOffset = (n * kBlocks + b) * blockBytes;
        blockCodes(codes, source, start, length, scale, zeroPoint, maxCode);
        if (bits === 8) packed.set(codes, blockOffset);
        else for (let j = 0; j < blockSize; j += 2) packed[blockOffset + (j >> 1)] = codes[j]! | (codes[j + 1]! << 4);
      }
    }
  }
  return { ...options, K, N, kBlocks, packed, scales, zeroPoints };
}

/**
 * Writes the codes of `source[start .. start+length)` into `codes` (one block's worth), each rounded and clamped to
 * [0, maxCode]; padding past `length` takes the zero point.
 */
function blockCodes(codes: Uint8Array, source: Float32Array, start: number, length: number, scale: number, zeroPoint: number, maxCode: number): void {
  for (let j = 0; j < length; j++) {
    const code = Math.round(source[start + j]! / scale) + zeroPoint;
    codes[j] = code < 0 ? 0 : code > maxCode ? maxCode : code;
  }
  codes.fill(zeroPoint, length);
}

/** The weights the quantized form stands for, as float32 [K, N]: (code − zeroPoint) · scale. */
export function dequantizeBlocks(quantized: BlockQuantizedWeight): Float32Array {
  const { K, N, kBlocks, bits, blockSize } = quantized;
  const weight = new Float32Array(K * N);
  const blockBytes = bytesPerBlock(quantized);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const b = Math.floor(k / blockSize);
      const code = readCode(quantized.packed, (n * kBlocks + b) * blockBytes, k % blockSize, bits);
      weight[k * N + n] = (code - zeroPointOf(quantized, n, b)) * (quantized.scales[n * kBlocks + b] as number);
    }
  }
  return weight;
}

/** The zero point of block b in column n. */
export function zeroPointOf(quantized: BlockQuantizedWeight, n: number, b: number): number {
  if (quantized.zeroPoints === null) return defaultZeroPoint(quantized.bits);
  return readCode(quantized.zeroPoints, n * zeroPointBytesPerColumn(quantized.kBlocks, quantized.bits), b, quantized.bits);
}

/** Scale (float32-rounded, so codes are computed with the value ORT will use) and zero point of `source[start .. start+length)`. */
function blockParameters(source: Float32Array, start: number, length: number, options: BlockQuantizationOptions): { scale: number; zeroPoint: number } {
  const { bits, symmetric } = options;
  const end = start + length;
  if (symmetric) {
    let largest = 0;
    for (let i = start; i < end; i++) largest = Math.max(largest, Math.abs(source[i]!));
    // max|w| maps to ±(2^(bits−1) − 1), so every value rounds to a code inside [1, 2^bits − 1]: no clamping error.
    return { scale: nonZeroScale(largest / (defaultZeroPoint(bits) - 1)), zeroPoint: defaultZeroPoint(bits) };
  }
  let low = 0;
  let high = 0;
  for (let i = start; i < end; i++) {
    low = Math.min(low, source[i]!);
    high = Math.max(high, source[i]!);
  }
  const scale = nonZeroScale((high - low) / (2 ** bits - 1));
  return { scale, zeroPoint: clampCode(Math.round(-low / scale), bits) };
}

/**
 * The float32 scale at or just above `scale`, so the extreme values stay inside the code range after rounding.
 * A block of zeros gets scale 1: every code equals the zero point, so any nonzero scale reproduces it.
 */
function nonZeroScale(scale: number): number {
  if (!(scale > 0)) return 1;
  const rounded = Math.fround(scale);
  return rounded >= scale ? rounded : Math.fround(scale * (1 + 2 ** -22));
}

function clampCode(code: number, bits: QuantizationBits): number {
  return Math.min(2 ** bits - 1, Math.max(0, code));
}

/** Writes code number `index` of a run starting at byte `offset`: one per byte at 8 bits, two per byte (low first) at 4. */
function writeCode(target: Uint8Array, offset: number, index: number, code: number, bits: QuantizationBits): void {
  if (bits === 8) {
    target[offset + index] = code;
    return;
  }
  const byte = offset + (index >> 1);
  const current = target[byte] as number;
  target[byte] = index % 2 === 0 ? (current & 0xf0) | code : (current & 0x0f) | (code << 4);
}

function readCode(source: Uint8Array, offset: number, index: number, bits: QuantizationBits): number {
  if (bits === 8) return source[offset + index] as number;
  const byte = source[offset + (index >> 1)] as number;
  return index % 2 === 0 ? byte & 0x0f : byte >> 4;
}
