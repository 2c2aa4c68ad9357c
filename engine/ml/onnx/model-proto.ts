// Plain TypeScript mirrors of the ONNX messages the ML core writes (ModelProto and what it contains).
// They hold only the fields Crucible needs; encode-model.ts turns them into protobuf bytes.

import type { AnyTypedArray, DType } from './data-types.ts';

/** A dimension: a fixed size, or a symbolic name such as "B" that ONNX Runtime resolves per run. */
export type Dim = number | string;

export interface TensorProto {
  name: string;
  dtype: DType;
  dims: readonly number[];
  data: AnyTypedArray;
}

export interface ValueInfoProto {
  name: string;
  dtype: DType;
  shape: readonly Dim[];
}

export type AttributeProto =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'string'; value: string }
  | { kind: 'ints'; value: readonly number[] }
  | { kind: 'floats'; value: readonly number[] }
  | { kind: 'tensor'; value: TensorProto };

export interface NodeProto {
  name: string;
  opType: string;
  /** '' for the default ONNX domain, 'com.microsoft' for ONNX Runtime's contrib ops. */
  domain: string;
  /** Value names; '' marks an omitted optional input. */
  inputs: readonly string[];
  outputs: readonly string[];
  attributes: Readonly<Record<string, AttributeProto>>;
}

export interface GraphProto {
  name: string;
  nodes: readonly NodeProto[];
  initializers: readonly TensorProto[];
  inputs: readonly ValueInfoProto[];
  outputs: readonly ValueInfoProto[];
  valueInfos?: readonly ValueInfoProto[];
}

export interface OperatorSetId {
  domain: string;
  version: number;
}

export interface ModelProto {
  irVersion: number;
  opsetImports: readonly OperatorSetId[];
  producerName: string;
  producerVersion?: string;
  graph: GraphProto;
}

/** IR version 10 and opset 21: Gelu (20), axes-as-input reductions (18) and ScatterND reduction (16) are all in. */
export const DEFAULT_IR_VERSION = 10;
export const DEFAULT_OPSETS: readonly OperatorSetId[] = [
  { domain: '', version: 21 },
  { domain: 'com.microsoft', version: 1 },
];
