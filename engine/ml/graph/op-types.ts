// The ONNX operators the graph builder knows, and the domain each one lives in.
// Adding an op starts here, then its shape rule (shape-rules/), builder (ops/) and gradient rule (autodiff/).

export const OP_TYPES = [
  'Add', 'Sub', 'Mul', 'Div', 'Neg', 'Exp', 'Log', 'Sqrt', 'Pow', 'Tanh', 'Sigmoid', 'Cos', 'Sin', 'Sum',
  'Equal', 'Less', 'Where', 'Cast', 'Identity',
  'ReduceSum', 'ReduceMean', 'ReduceMax', 'Softmax', 'LogSoftmax',
  'Transpose', 'Reshape', 'Expand', 'Concat', 'Split', 'Slice', 'Unsqueeze', 'Squeeze', 'Shape', 'Size', 'Pad',
  'Constant', 'ConstantOfShape',
  'Gather', 'GatherElements', 'GatherND', 'ScatterND', 'ScatterElements', 'Trilu',
  'MatMul', 'FusedMatMul', 'LayerNormalization', 'Gelu', 'SoftmaxCrossEntropyLoss',
] as const;

export type OpType = (typeof OP_TYPES)[number];

/** Ops outside the default ONNX domain. */
const CONTRIB_OPS: ReadonlySet<OpType> = new Set<OpType>(['FusedMatMul']);

export function domainOf(opType: OpType): string {
  return CONTRIB_OPS.has(opType) ? 'com.microsoft' : '';
}
