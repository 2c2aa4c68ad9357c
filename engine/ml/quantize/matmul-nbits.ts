// The com.microsoft.MatMulNBits node and its initializers for one block-quantized weight, at the ModelProto level.
// The decoder transform and the kernel tests both build their nodes here, so the attribute set lives in one place.

import type { NodeProto, TensorProto } from '../onnx/model-proto.ts';
import { zeroPointBytesPerColumn, bytesPerBlock, type BlockQuantizedWeight } from './block-quantize.ts';

/**
 * ORT's int8-compute fast path. 8-bit weights at any other level (0–3) take a dequantizing fallback that ran
 * 100–200× slower than level 4 on a 1×1024·1024×4096 matmul here, so 8 bits demand level 4.
 */
export const DEFAULT_ACCURACY_LEVEL = 4;

export interface MatMulNBitsWeightNames {
  packed: string;
  scales: string;
  zeroPoints: string | null;
}

/** Initializer names derived from the float weight's name, e.g. `transformer.h.0.mlp.c_fc.weight_Q4`. */
export function quantizedWeightNames(weightName: string, quantized: BlockQuantizedWeight): MatMulNBitsWeightNames {
  return {
    packed: `${weightName}_Q${quantized.bits}`,
    scales: `${weightName}_scales`,
    zeroPoints: quantized.zeroPoints === null ? null : `${weightName}_zero_points`,
  };
}

export function matMulNBitsInitializers(names: MatMulNBitsWeightNames, quantized: BlockQuantizedWeight): TensorProto[] {
  const { N, kBlocks } = quantized;
  const tensors: TensorProto[] = [
    { name: names.packed, dtype: 'uint8', dims: [N, kBlocks, bytesPerBlock(quantized)], data: quantized.packed },
    { name: names.scales, dtype: 'float32', dims: [N * kBlocks], data: quantized.scales },
  ];
  if (names.zeroPoints !== null && quantized.zeroPoints !== null) {
    tensors.push({ name: names.zeroPoints, dtype: 'uint8', dims: [N * zeroPointBytesPerColumn(kBlocks, quantized.bits)], data: quantized.zeroPoints });
  }
  return tensors;
}

export interface MatMulNBitsNodeRequest {
  name: string;
  /** A: float32 [..., K]. */
  input: string;
  /** Y: float32 [..., N]. */
  output: string;
  names: MatMulNBitsWeightNames;
  quantized: BlockQuantizedWeight;
  accuracyLevel: number;
}

export function matMulNBitsNode(request: MatMulNBitsNodeRequest): NodeProto {
  const { quantized, names } = request;
  if (quantized.bits === 8 && request.accuracyLevel !== DEFAULT_ACCURACY_LEVEL) {
    throw new Error(`MatMulNBits "${request.name}": 8-bit weights at accuracy_level ${request.accuracyLevel} take ORT's slow fallback; use accuracy level 4`);
  }
  const inputs = [request.input, names.packed, names.scales];
  if (names.zeroPoints !== null) inputs.push(names.zeroPoints);
  return {
    name: request.name,
    opType: 'MatMulNBits',
    domain: 'com.microsoft',
    inputs,
    outputs: [request.output],
    attributes: {
      K: { kind: 'int', value: quantized.K },
      N: { kind: 'int', value: quantized.N },
      bits: { kind: 'int', value: quantized.bits },
      block_size: { kind: 'int', value: quantized.blockSize },
      accuracy_level: { kind: 'int', value: request.accuracyLevel },
    },
  };
}
