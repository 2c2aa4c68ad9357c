// The element types the ML core uses, their ONNX TensorProto.DataType codes and their typed arrays.
// Every other module names dtypes with these strings; ONNX's integer codes stay inside onnx/.

export type DType = 'float32' | 'float64' | 'int64' | 'int32' | 'bool' | 'uint8';

export type AnyTypedArray = Float32Array | Float64Array | BigInt64Array | Int32Array | Uint8Array;

/** TensorProto.DataType values from onnx.proto. */
export const ONNX_DATA_TYPE: Record<DType, number> = {
  float32: 1,
  int32: 6,
  int64: 7,
  bool: 9,
  float64: 11,
  uint8: 2,
};

export function isFloatDType(dtype: DType): dtype is 'float32' | 'float64' {
  return dtype === 'float32' || dtype === 'float64';
}

/** Builds the typed array for `dtype` from plain numbers (int64 values must be safe integers). */
export function typedArrayFrom(dtype: DType, values: readonly number[]): AnyTypedArray {
  switch (dtype) {
    case 'float32':
      return Float32Array.from(values);
    case 'float64':
      return Float64Array.from(values);
    case 'int64':
      return BigInt64Array.from(values, (value) => BigInt(value));
    case 'int32':
      return Int32Array.from(values);
    case 'bool':
      return Uint8Array.from(values, (value) => (value ? 1 : 0));
    case 'uint8':
      return Uint8Array.from(values);
  }
}

/** Checks that `data` is the typed array ONNX Runtime expects for `dtype`. */
export function assertTypedArrayMatches(dtype: DType, data: AnyTypedArray, where: string): void {
  const expected: Record<DType, string> = {
    float32: 'Float32Array',
    float64: 'Float64Array',
    int64: 'BigInt64Array',
    int32: 'Int32Array',
    bool: 'Uint8Array',
    uint8: 'Uint8Array',
  };
  if (data.constructor.name !== expected[dtype]) {
    throw new Error(`${where}: dtype ${dtype} needs a ${expected[dtype]}, got a ${data.constructor.name}`);
  }
}
