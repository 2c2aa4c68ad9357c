// Typed constructors and readers for node attributes, so ints and floats never get mixed up.
// Readers fall back to the ONNX default and name the op and attribute when the kind is wrong.

import type { AttributeProto, TensorProto } from '../onnx/model-proto.ts';

export type Attributes = Readonly<Record<string, AttributeProto>>;

export const attr = {
  int: (value: number): AttributeProto => ({ kind: 'int', value }),
  float: (value: number): AttributeProto => ({ kind: 'float', value }),
  string: (value: string): AttributeProto => ({ kind: 'string', value }),
  ints: (value: readonly number[]): AttributeProto => ({ kind: 'ints', value: [...value] }),
  floats: (value: readonly number[]): AttributeProto => ({ kind: 'floats', value: [...value] }),
  tensor: (value: TensorProto): AttributeProto => ({ kind: 'tensor', value }),
};

/** The attribute's value when present, after checking its kind. */
function read(attributes: Attributes, name: string, kind: AttributeProto['kind'], opType: string): AttributeProto['value'] | undefined {
  const attribute = attributes[name];
  if (attribute === undefined) return undefined;
  if (attribute.kind !== kind) throw new Error(`${opType}: attribute "${name}" must be ${kind}, got ${attribute.kind}`);
  return attribute.value;
}

export function intAttr(attributes: Attributes, name: string, fallback: number, opType: string): number {
  return (read(attributes, name, 'int', opType) as number | undefined) ?? fallback;
}

export function floatAttr(attributes: Attributes, name: string, fallback: number, opType: string): number {
  return (read(attributes, name, 'float', opType) as number | undefined) ?? fallback;
}

export function stringAttr(attributes: Attributes, name: string, fallback: string, opType: string): string {
  return (read(attributes, name, 'string', opType) as string | undefined) ?? fallback;
}

export function intsAttr(attributes: Attributes, name: string, opType: string): readonly number[] | undefined {
  return read(attributes, name, 'ints', opType) as readonly number[] | undefined;
}

export function tensorAttr(attributes: Attributes, name: string, opType: string): TensorProto | undefined {
  return read(attributes, name, 'tensor', opType) as TensorProto | undefined;
}
