// Host-side tensors: a dtype, a static shape and the typed array ONNX Runtime reads, without ORT itself.
// Graph code (initializers, constants) and tests both speak this one shape.

import { typedArrayFrom, type AnyTypedArray, type DType } from '../onnx/data-types.ts';

export interface HostTensor {
  dtype: DType;
  shape: readonly number[];
  data: AnyTypedArray;
}

export function elementCountOf(shape: readonly number[]): number {
  return shape.reduce((product, dim) => product * dim, 1);
}

/** A host tensor from plain numbers, checking that their count matches the shape. */
export function hostTensor(dtype: DType, shape: readonly number[], values: readonly number[]): HostTensor {
  if (values.length !== elementCountOf(shape)) {
    throw new Error(`hostTensor: shape [${shape.join(',')}] needs ${elementCountOf(shape)} values, got ${values.length}`);
  }
  return { dtype, shape: [...shape], data: typedArrayFrom(dtype, values) };
}

/** The values of a numeric host tensor as plain numbers (int64 must fit a double exactly). */
export function numbersOf(tensor: HostTensor): number[] {
  return Array.from(tensor.data as ArrayLike<number | bigint>, (value) => Number(value));
}
