// Conversion between host tensors and onnxruntime-node tensors, checking dtype and element count.
// Only runtime/ touches ORT's Tensor class.

import type * as Ort from 'onnxruntime-node';
import { ort } from './load-ort.ts';
import { assertTypedArrayMatches, type AnyTypedArray, type DType } from '../onnx/data-types.ts';
import { elementCountOf, type HostTensor } from '../tensor/host-tensor.ts';

export function toOrtTensor(tensor: HostTensor, where = 'toOrtTensor'): Ort.Tensor {
  assertTypedArrayMatches(tensor.dtype, tensor.data, where);
  if (tensor.data.length !== elementCountOf(tensor.shape)) {
    throw new Error(`${where}: shape [${tensor.shape.join(',')}] does not match ${tensor.data.length} elements`);
  }
  return new (ort().Tensor)(tensor.dtype, tensor.data, [...tensor.shape]);
}

const ORT_TO_DTYPE: Record<string, DType> = {
  float32: 'float32',
  float64: 'float64',
  int64: 'int64',
  int32: 'int32',
  bool: 'bool',
  uint8: 'uint8',
};

export function fromOrtTensor(tensor: Ort.Tensor, where = 'fromOrtTensor'): HostTensor {
  const dtype = ORT_TO_DTYPE[tensor.type];
  if (dtype === undefined) throw new Error(`${where}: ORT tensor type "${tensor.type}" is not supported by the ML core`);
  return { dtype, shape: tensor.dims.map(Number), data: tensor.data as AnyTypedArray };
}
