// An embedding lookup over a MatMulNBits-packed table: Gather the packed rows, scales and zero points of the ids,
// unpack the codes and compute (code − zero point) · scale, all with standard ONNX ops on ORT's CPU kernels.
// Legend: B batch, S ids, V rows (vocabulary), kb blocks per row, blob bytes per block, K row width (channels).

import type { AttributeProto, NodeProto, TensorProto } from '../onnx/model-proto.ts';
import { defaultZeroPoint, zeroPointBytesPerColumn, type BlockQuantizedWeight } from './block-quantize.ts';
import type { MatMulNBitsWeightNames } from './matmul-nbits.ts';

export interface GraphPiece {
  nodes: NodeProto[];
  initializers: TensorProto[];
}

export interface DequantizingGatherRequest {
  /** Gather(table, ids) on axis 0; its output name is kept. */
  gather: NodeProto;
  names: MatMulNBitsWeightNames;
  /** The table stored as N = V rows of K = C values. */
  quantized: BlockQuantizedWeight;
}

/** TensorProto.DataType codes for Cast's `to`. */
const CAST_TO = { float32: 1, int32: 6 } as const;

class PieceBuilder {
  readonly nodes: NodeProto[] = [];
  readonly initializers: TensorProto[] = [];
  private count = 0;

  constructor(private readonly prefix: string) {}

  op(opType: string, inputs: string[], attributes: Record<string, AttributeProto> = {}, output?: string): string {
    const name = output ?? `${this.prefix}_${opType}_${this.count}`;
    this.nodes.push({ name: `${this.prefix}_${opType}_node_${this.count++}`, opType, domain: '', inputs, outputs: [name], attributes });
    return name;
  }

  int64s(label: string, values: readonly number[]): string {
    const name = `${this.prefix}_${label}`;
    this.initializers.push({ name, dtype: 'int64', dims: [values.length], data: BigInt64Array.from(values, BigInt) });
    return name;
  }

  scalar(label: string, dtype: 'float32' | 'int32', value: number): string {
    const name = `${this.prefix}_${label}`;
    this.initializers.push({ name, dtype, dims: [], data: dtype === 'float32' ? Float32Array.of(value) : Int32Array.of(value) });
    return name;
  }
}

export function dequantizingGather(request: DequantizingGatherRequest): GraphPiece {
  const { gather, names, quantized } = request;
  const axis = gather.attributes.axis;
  if (axis !== undefined && !(axis.kind === 'int' && axis.value === 0)) throw new Error(`quantize: Gather "${gather.name}" reads axis ${JSON.stringify(axis.value)}; only row lookups (axis 0) can read a packed table`);
  const { N: V, K, kBlocks, blockSize, bits } = quantized;
  const ids = gather.inputs[1] as string;
  const piece = new PieceBuilder(`${gather.name}_dq`);
  const lastAxis = piece.int64s('last_axis', [-1]);
  const rows = piece.op('Gather', [names.packed, ids]); // (B, S, kb, blob) uint8
  const codes = piece.op('Cast', [unpackedCodes(piece, rows, bits, [0, 0, kBlocks, blockSize])], { to: { kind: 'int', value: CAST_TO.float32 } }); // (B, S, kb, block)
  const scaleTable = piece.op('Reshape', [names.scales, piece.int64s('scale_rows', [V, kBlocks])]); // (V, kb)
  const scales = piece.op('Unsqueeze', [piece.op('Gather', [scaleTable, ids]), lastAxis]); // (B, S, kb, 1)
  const zeroPoints = names.zeroPoints === null ? piece.scalar('zero_point', 'float32', defaultZeroPoint(bits)) : gatheredZeroPoints(piece, names.zeroPoints, ids, quantized, lastAxis);
  const values = piece.op('Mul', [piece.op('Sub', [codes, zeroPoints]), scales]); // (B, S, kb, block)
  const output = gather.outputs[0] as string;
  const padded = kBlocks * blockSize !== K;
  const flat = piece.op('Reshape', [values, piece.int64s('flat_rows', [0, 0, kBlocks * blockSize])], {}, padded ? undefined : output);
  if (padded) piece.op('Slice', [flat, piece.int64s('starts', [0]), piece.int64s('ends', [K]), piece.int64s('axes', [2])], {}, output);
  return { nodes: piece.nodes, initializers: piece.initializers };
}

/** Zero points of the gathered rows as float (B, S, kb, 1). */
function gatheredZeroPoints(piece: PieceBuilder, zeroPointsName: string, ids: string, quantized: BlockQuantizedWeight, lastAxis: string): string {
  const { N: V, kBlocks, bits } = quantized;
  const bytes = zeroPointBytesPerColumn(kBlocks, bits);
  const table = piece.op('Reshape', [zeroPointsName, piece.int64s('zero_point_rows', [V, bytes])]); // (V, bytes)
  const codes = unpackedCodes(piece, piece.op('Gather', [table, ids]), bits, [0, 0, (bytes * 8) / bits]); // (B, S, ≥kb)
  const firstBlocks = piece.op('Slice', [codes, piece.int64s('zp_starts', [0]), piece.int64s('zp_ends', [kBlocks]), piece.int64s('zp_axes', [2])]);
  return piece.op('Unsqueeze', [piece.op('Cast', [firstBlocks], { to: { kind: 'int', value: CAST_TO.float32 } }), lastAxis]);
}

/**
 * Codes of packed uint8 bytes reshaped to `shape` (0 keeps a leading dim): 8-bit bytes are the codes; a 4-bit byte
 * holds the even code in its low nibble, so low = byte − 16·⌊byte/16⌋ and high = ⌊byte/16⌋ are interleaved.
 */
function unpackedCodes(piece: PieceBuilder, packed: string, bits: number, shape: readonly number[]): string {
  const target = piece.int64s(`codes_shape_${shape.join('x')}`, shape);
  if (bits === 8) return piece.op('Reshape', [packed, target]);
  const wide = piece.op('Cast', [packed], { to: { kind: 'int', value: CAST_TO.int32 } });
  const sixteen = piece.scalar(`sixteen_${piece.nodes.length}`, 'int32', 16);
  const high = piece.op('Div', [wide, sixteen]);
  const low = piece.op('Sub', [wide, piece.op('Mul', [high, sixteen])]);
  const lastAxis = piece.int64s(`pair_axis_${piece.nodes.length}`, [-1]);
  const pairs = piece.op('Concat', [piece.op('Unsqueeze', [low, lastAxis]), piece.op('Unsqueeze', [high, lastAxis])], { axis: { kind: 'int', value: -1 } });
  return piece.op('Reshape', [pairs, target]);
}
